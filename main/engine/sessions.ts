import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as ort from 'onnxruntime-node';
import { graphFile, ModelPackageError, packagePath, type GraphName, type ModelPackage } from './manifest.js';
import { externalDataLocations } from './onnx-external-data.js';
import { singleNodeModel } from './onnx-proto.js';
import { providerErrorText, providerPlan, providerSpec, type EpChoice, type ExecutionProvider } from './providers.js';
import { chooseVariant } from './variants.js';

export interface TensorInfo {
  readonly name: string;
  readonly type: ort.Tensor.Type;
  readonly shape: ReadonlyArray<number | string>;
}

export interface GraphSession {
  readonly session: ort.InferenceSession;
  readonly inputs: ReadonlyMap<string, TensorInfo>;
  readonly outputs: ReadonlyMap<string, TensorInfo>;
}

export interface ModelSessions {
  readonly vision: GraphSession;
  readonly embed: GraphSession;
  readonly decoder: GraphSession;
  readonly provider: ExecutionProvider;
  /** The dtype variant the graphs were opened in (`auto` resolved for the provider). */
  readonly dtype: string;
  /** Why the requested provider was not used, when it was not (shown to the user as a notice). */
  readonly fallbackNotice: string | null;
}

export interface SessionOptions {
  ep: EpChoice;
  /** A dtype variant or `auto` (the default): see variants.ts. */
  dtype?: string;
  threads?: number;
}

/** Opens the three graphs on the first provider of the plan that initialises; a failure falls back to CPU, never silently. */
export async function openSessions(pkg: ModelPackage, opts: SessionOptions): Promise<ModelSessions> {
  const notices: string[] = [];
  const explicit = opts.ep !== 'auto' && opts.ep !== 'cpu' ? opts.ep : null;
  for (const ep of providerPlan(opts.ep)) {
    const spec = providerSpec(ep);
    const availability = spec.available();
    // A provider asked for by name is tried where it may still work (WebGPU on a software Vulkan driver).
    if (!availability.ok && !(ep === explicit && availability.tryIfAsked)) {
      notices.push(`${spec.label} is not available: ${availability.why}`);
      continue;
    }
    let dtype = chooseVariant(pkg.manifest, opts.dtype, ep);
    // `auto` picks fp16 arithmetic on a GPU; a device without fp16 shaders (WebGPU on SwiftShader, some older GPUs)
    // would fail only at the first run, so it is asked first and the best fp32-arithmetic variant runs instead.
    if (ep !== 'cpu' && HALF_VARIANTS.has(dtype) && (opts.dtype ?? 'auto') === 'auto' && !(await computesHalf(ep))) {
      const alt = chooseVariant(pkg.manifest, 'auto', ep, { half: false });
      notices.push(`${spec.label} cannot compute in fp16 on this device, so the ${alt} variant runs instead of ${dtype}`);
      dtype = alt;
    }
    try {
      const open = (g: GraphName) => openGraph(pkg, g, ep, dtype, opts, g === 'decoder_model_merged' && spec.deviceResident ? presentsOnDevice(pkg) : undefined);
      const [vision, embed, decoder] = [await open('vision_encoder'), await open('embed_tokens'), await open('decoder_model_merged')];
      const fallbackNotice = notices.length ? `${notices.join('; ')}; running on ${ep.toUpperCase()}` : null;
      return { vision, embed, decoder, provider: ep, dtype, fallbackNotice };
    } catch (err) {
      if (err instanceof ModelPackageError) throw err;
      if (ep === 'cpu') throw new ModelPackageError(`model ${pkg.manifest.id} could not be loaded: ${(err as Error).message}`);
      notices.push(`${spec.label} failed to initialise (${providerErrorText(err)})`);
    }
  }
  throw new ModelPackageError('no execution provider could be initialised'); // unreachable: the plan always ends with cpu
}

async function openGraph(pkg: ModelPackage, graph: GraphName, ep: ExecutionProvider, dtype: string, opts: SessionOptions, outputLocation?: Record<string, ort.Tensor.DataLocation>): Promise<GraphSession> {
  const file = graphFile(pkg, graph, dtype);
  checkExternalData(pkg, graph, dtype, file.path);
  const session = await ort.InferenceSession.create(file.path, {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    ...threadOptions(opts.threads),
    ...providerSpec(ep).sessionOptions,
    ...(outputLocation ? { preferredOutputLocation: outputLocation } : {}),
  });
  const info = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
    new Map(list.map((m) => [m.name, { name: m.name, type: m.isTensor ? m.type : ('float32' as const), shape: m.isTensor ? m.shape : [] }]));
  return { session, inputs: info(session.inputMetadata), outputs: info(session.outputMetadata) };
}

const HALF_VARIANTS = new Set(['fp16', 'q4f16']);

/** Whether the provider runs an fp16 Add (a one-node graph built in memory). */
async function computesHalf(ep: ExecutionProvider): Promise<boolean> {
  const io = (name: string) => ({ name, type: 'float16' as const, shape: [1] });
  const one = () => new ort.Tensor('float16', Uint16Array.from([0x3c00]), [1]);
  try {
    const s = await ort.InferenceSession.create(singleNodeModel('Add', [io('a'), io('b')], [io('c')]), { executionProviders: [ep], ...providerSpec(ep).sessionOptions, logSeverityLevel: 4 });
    try {
      const out = await s.run({ a: one(), b: one() });
      return (out.c!.data as Uint16Array)[0] === 0x4000; // 1 + 1 = 2
    } finally {
      await s.release();
    }
  } catch {
    return false;
  }
}

/**
 * A graph may read weights only from the external data files its manifest entry lists (and so hashes): ONNX Runtime
 * opens whatever file names the graph holds, beside it.
 */
function checkExternalData(pkg: ModelPackage, graph: GraphName, dtype: string, path: string): void {
  const ref = pkg.manifest.files[graph][dtype]!;
  const listed = new Set((ref.data ?? []).map((d) => packagePath(pkg.dir, d.path)));
  let locations: string[];
  try {
    locations = externalDataLocations(path);
  } catch (err) {
    throw new ModelPackageError(`model file ${ref.path} ${(err as Error).message}: re-install the model package`);
  }
  for (const loc of locations) {
    const abs = join(dirname(path), loc);
    if (!listed.has(abs)) {
      throw new ModelPackageError(`model file ${ref.path} reads its weights from "${loc}" (${relative(pkg.dir, abs)}), which manifest.json does not list for ${graph} ${dtype}: the package is refused (an unlisted file is never checked)`);
    }
  }
}

/**
 * Where the decoder's outputs go on a device-resident provider: every `present.*` stays on the device (fed back as the
 * next step's past), only the logits come to the host, where sampling needs them.
 */
function presentsOnDevice(pkg: ModelPackage): Record<string, ort.Tensor.DataLocation> {
  const out: Record<string, ort.Tensor.DataLocation> = { logits: 'cpu' };
  for (let i = 0; i < pkg.manifest.text_config.num_hidden_layers; i++) out[`present.${i}.key`] = out[`present.${i}.value`] = 'gpu-buffer';
  return out;
}

/**
 * Intra-op threads: as asked, else ONNX Runtime's default (one per physical core), except on a machine with two logical
 * cores or fewer, where one thread leaves the other core to the UI and everything else (spinning workers that take every
 * core make the whole app stutter there).
 */
function threadOptions(threads?: number): { intraOpNumThreads?: number; interOpNumThreads?: number } {
  const n = threads ?? (availableParallelism() <= 2 ? 1 : undefined);
  return n ? { intraOpNumThreads: n, interOpNumThreads: 1 } : {};
}

/** Checks the graphs follow onnx-runtime.md §1.2 so a bad export is named at load, not at the first token. */
export function checkContract(s: ModelSessions, layers: number): void {
  const need = (g: GraphSession, graph: string, kind: 'input' | 'output', names: string[]) => {
    const have = kind === 'input' ? g.inputs : g.outputs;
    for (const n of names) if (!have.has(n)) throw new ModelPackageError(`${graph} has no ${kind} "${n}" (has ${[...have.keys()].join(', ')})`);
  };
  need(s.vision, 'vision_encoder', 'input', ['pixel_values', 'image_grid_thw']);
  need(s.vision, 'vision_encoder', 'output', ['image_features']);
  need(s.embed, 'embed_tokens', 'input', ['input_ids']);
  need(s.embed, 'embed_tokens', 'output', ['inputs_embeds']);
  const kv = Array.from({ length: layers }, (_, i) => [`.${i}.key`, `.${i}.value`]).flat();
  need(s.decoder, 'decoder_model_merged', 'input', ['inputs_embeds', 'attention_mask', 'position_ids', ...kv.map((k) => `past_key_values${k}`)]);
  need(s.decoder, 'decoder_model_merged', 'output', ['logits', ...kv.map((k) => `present${k}`)]);
}
