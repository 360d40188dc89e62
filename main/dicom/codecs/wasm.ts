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
  'jpeg-baseline': { pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit', cls: 'JPEGDecoder', library: 'libjpeg-turbo' },
  'jpeg-ls': { pkg: '@cornerstonejs/codec-charls', cls: 'JpegLSDecoder', library: 'CharLS' },
  jpeg2000: { pkg: '@cornerstonejs/codec-openjpeg', cls: 'J2KDecoder', library: 'OpenJPEG' },
} as const;
export type WasmCodec = keyof typeof codecs;

const modules = new Map<WasmCodec, Promise<Record<string, unknown>>>();
const decoders = new Map<WasmCodec, WasmDecoder>();

/** Loads a codec's WASM module once per process (the file is read from node_modules; no network). */
function wasmModule(codec: WasmCodec): Promise<Record<string, unknown>> {
  let m = modules.get(codec);
  if (!m) {
    const { pkg } = codecs[codec];
    m = (async () => {
      const factory = ((await import(`${pkg}/decodewasmjs`)) as { default: Factory }).default;
      const wasmPath = require.resolve(`${pkg}/decodewasm`);
      // print/printErr: the codecs log progress lines (openjpeg's "[INFO] …") that must not reach our stdout.
      return factory({ locateFile: (f) => (f.endsWith('.wasm') ? wasmPath : f), print: () => {}, printErr: () => {} });
    })();
    modules.set(codec, m);
  }
  return m;
}

async function decoder(codec: WasmCodec): Promise<WasmDecoder> {
  let d = decoders.get(codec);
  if (!d) {
    const Ctor = (await wasmModule(codec))[codecs[codec].cls] as new () => WasmDecoder;
    d = new Ctor();
    decoders.set(codec, d);
  }
  return d;
}

/**
 * Decodes one frame; the WASM module is single-threaded, so calls are serialised by the event loop. The caller has
 * checked the frame's declared size against the budget (decode.ts); a codec failure becomes an Error with the codec's
 * own message, and the decoder that failed is replaced, since a C++ exception may leave it half-way through a frame.
 */
export async function decodeWasm(codec: WasmCodec, frame: Uint8Array): Promise<CodecOutput> {
  const dec = await decoder(codec);
  const input = dec.getEncodedBuffer(frame.length);
  input.set(frame);
  try {
    dec.decode();
  } catch (err) {
    decoders.delete(codec);
    (dec as { delete?: () => void }).delete?.();
    throw new Error(describeCodecError(err, input.buffer, codecs[codec].library));
  }
  const info = { ...dec.getFrameInfo() };
  const raw = dec.getDecodedBuffer();
  const bytes = raw.slice(); // copy: the view points into WASM memory that the next decode reuses
  const samples = info.bitsPerSample > 8 ? (info.isSigned ? new Int16Array(bytes.buffer) : new Uint16Array(bytes.buffer)) : bytes;
  return { samples, info, interleaveMode: codec === 'jpeg-ls' ? dec.getInterleaveMode?.() : undefined };
}

/**
 * Emscripten throws a C++ exception to JavaScript as a number: the address of the exception object in WASM memory.
 * CharLS throws std::runtime_error-like objects whose message pointer follows the vtable; libjpeg-turbo's wrapper
 * throws a string whose data pointer comes first. Both are tried, and only printable text is believed.
 */
export function describeCodecError(err: unknown, memory: ArrayBufferLike, library: string): string {
  if (typeof err !== 'number') return err instanceof Error ? err.message : String(err);
  const view = new DataView(memory);
  const text = [err + 4, err].map((at) => (at >= 0 && at + 4 <= view.byteLength ? cString(memory, view.getUint32(at, true)) : null)).find((t) => t !== null);
  return text ? `the compressed data is corrupt or truncated (${library}: ${text})` : `the compressed data is corrupt or truncated (${library} stopped with internal code ${err})`;
}

function cString(memory: ArrayBufferLike, at: number): string | null {
  const bytes = new Uint8Array(memory);
  if (at <= 0 || at >= bytes.length) return null;
  let end = at;
  while (end < bytes.length && end - at < 300 && bytes[end] !== 0) end++;
  const text = Buffer.from(bytes.subarray(at, end)).toString('latin1').replace(/^[^A-Za-z]+/, '').trim();
  return /^[\x20-\x7e]{6,}$/.test(text) && /[a-z]{3,} [a-z]/i.test(text) ? text : null;
}
