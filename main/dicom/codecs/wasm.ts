import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What each Cornerstone WASM decoder reports about a decoded frame. */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): WasmFrameInfo;
  decode(): void;
  getInterleaveMode?(): number;
}

type Factory = (opts: { locateFile: (f: string) => string; print: (s: string) => void; printErr: (s: string) => void }) => Promise<Record<string, unknown>>;

/** The decoded samples, copied out of WASM memory, and how the codec describes them. */
export interface CodecOutput {
  samples: Uint8Array | Uint16Array | Int16Array;
  info: WasmFrameInfo;
  /** Only for JPEG-LS: 0 when the components come one plane after another. */
  interleaveMode?: number;
}

const codecs = {
  'jpeg-baseline': { pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit', cls: 'JPEGDecoder' },
  'jpeg-ls': { pkg: '@cornerstonejs/codec-charls', cls: 'JpegLSDecoder' },
  jpeg2000: { pkg: '@cornerstonejs/codec-openjpeg', cls: 'J2KDecoder' },
} as const;
export type WasmCodec = keyof typeof codecs;

const decoders = new Map<WasmCodec, Promise<WasmDecoder>>();

/** Loads a codec's WASM module once per process (the file is read from node_modules; no network). */
function decoder(codec: WasmCodec): Promise<WasmDecoder> {
  let d = decoders.get(codec);
  if (!d) {
    const { pkg, cls } = codecs[codec];
    d = (async () => {
      const factory = ((await import(`${pkg}/decodewasmjs`)) as { default: Factory }).default;
      const wasmPath = require.resolve(`${pkg}/decodewasm`);
      // print/printErr: the codecs log progress lines (openjpeg's "[INFO] …") that must not reach our stdout.
      const module = await factory({ locateFile: (f) => (f.endsWith('.wasm') ? wasmPath : f), print: () => {}, printErr: () => {} });
      const Ctor = module[cls] as new () => WasmDecoder;
      return new Ctor();
    })();
    decoders.set(codec, d);
  }
  return d;
}

/** Decodes one frame; the WASM module is single-threaded, so calls are serialised by the event loop. */
export async function decodeWasm(codec: WasmCodec, frame: Uint8Array): Promise<CodecOutput> {
  const dec = await decoder(codec);
  dec.getEncodedBuffer(frame.length).set(frame);
  try {
    dec.decode();
  } catch (err) {
    throw new Error(typeof err === 'number' ? `${codec} decoder error ${err}` : String(err));
  }
  const info = { ...dec.getFrameInfo() };
  const raw = dec.getDecodedBuffer();
  const bytes = raw.slice(); // copy: the view points into WASM memory that the next decode reuses
  const samples = info.bitsPerSample > 8 ? (info.isSigned ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer)) : bytes;
  return { samples, info, interleaveMode: codec === 'jpeg-ls' ? dec.getInterleaveMode?.() : undefined };
}
