import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import * as ort from 'onnxruntime-node';
import { loadModelPackage, packagePath } from './manifest.js';
import { chooseVariant, variantBytes } from './variants.js';
import { singleNodeModel } from './onnx-proto.js';
import { PROVIDERS, providerErrorText, providerPlan, vulkanDriver, type ExecutionProvider } from './providers.js';

/**
 * What `medrwr doctor` reports: the execution providers this build has and whether each actually runs here, the GPU
 * and its driver as far as the system shows them, the CPU's features, memory, and whether a model package fits.
 */
export interface ProviderCheck {
  readonly name: ExecutionProvider;
  readonly label: string;
  /** In this onnxruntime-node build. */
  readonly inBuild: boolean;
  /** What `auto` would use it for: available without being asked. */
  readonly available: boolean;
  readonly why: string | null;
  /** A one-node graph was created and run on it just now. */
  readonly works: boolean;
  readonly error: string | null;
  readonly deviceResident: boolean;
}

export interface Diagnosis {
  readonly providers: ProviderCheck[];
  readonly gpu: { readonly devices: string[]; readonly vulkanDriver: string | null; readonly software: boolean };
  readonly cpu: { readonly model: string; readonly logicalCores: number; readonly features: string[] };
  readonly memory: { readonly totalBytes: number; readonly freeBytes: number };
  readonly model: ModelFit | null;
}

export interface ModelFit {
  readonly id: string;
  readonly dtype: string;
  readonly weightBytes: number;
  /** The KV cache at the context length checked (float32 or float16 as the decoder takes it is unknown before load: fp32 assumed for fp32 graphs). */
  readonly kvCacheBytes: number;
  readonly context: number;
  readonly fitsInMemory: boolean;
}

const CPU_FEATURES = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'avx_vnni', 'amx_tile', 'amx_bf16', 'amx_int8', 'asimd', 'sve'];

export async function diagnose(opts: { modelDir?: string; dtype?: string; context?: number } = {}): Promise<Diagnosis> {
  const model = opts.modelDir ? modelFit(opts.modelDir, opts.dtype, opts.context ?? 4096) : null;
  const listed = new Set(ort.listSupportedBackends().map((b) => b.name));
  const providers: ProviderCheck[] = [];
  for (const spec of PROVIDERS) {
    const inBuild = spec.name === 'cpu' || listed.has(spec.name);
    const availability = spec.available();
    const tried = inBuild && (availability.ok || availability.tryIfAsked) ? await tryProvider(spec.name) : { works: false, error: inBuild ? null : 'not in this build' };
    providers.push({
      name: spec.name,
      label: spec.label,
      inBuild,
      available: availability.ok,
      why: availability.ok ? null : availability.why,
      works: tried.works,
      error: tried.error,
      deviceResident: spec.deviceResident,
    });
  }
  return {
    providers,
    gpu: gpuFacts(),
    cpu: cpuInfo(),
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    model,
  };
}

/** The GPU and its Vulkan driver as the system shows them: cheap (no session), so About can show it too. */
export function gpuFacts(): Diagnosis['gpu'] {
  const driver = vulkanDriver();
  return { devices: gpuDevices(), vulkanDriver: driver, software: driver !== null && /swiftshader|lavapipe|llvmpipe/i.test(driver) };
}

/** Creates and runs a one-node graph on the provider, with a time limit (a wedged driver must not wedge doctor). */
async function tryProvider(ep: ExecutionProvider): Promise<{ works: boolean; error: string | null }> {
  const attempt = (async () => {
    const model = singleNodeModel('Relu', [{ name: 'x', type: 'float32', shape: [4] }], [{ name: 'y', type: 'float32', shape: [4] }]);
    const session = await ort.InferenceSession.create(model, { executionProviders: [ep] });
    try {
      const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 0, 1, 2]), [4]) });
      const y = Array.from(out.y!.data as Float32Array);
      return y.join(',') === '0,0,1,2' ? { works: true, error: null } : { works: false, error: `wrong result ${y.join(',')}` };
    } finally {
      await session.release();
    }
  })().catch((err: unknown) => ({ works: false, error: providerErrorText(err) }));
  const timeout = new Promise<{ works: boolean; error: string }>((resolve) => setTimeout(() => resolve({ works: false, error: 'did not answer within 20 s' }), 20_000).unref());
  return Promise.race([attempt, timeout]);
}

/** GPUs as the system lists them: NVIDIA's driver file, else DRM render nodes with their PCI vendor. */
function gpuDevices(): string[] {
  const nvidia = '/proc/driver/nvidia/gpus';
  if (existsSync(nvidia)) {
    return readdirSync(nvidia).map((bus) => {
      const info = readFileSync(`${nvidia}/${bus}/information`, 'utf8');
      return /Model:\s*(.+)/.exec(info)?.[1]?.trim() ?? `NVIDIA GPU at ${bus}`;
    });
  }
  if (!existsSync('/dev/dri')) return [];
  const vendors: Record<string, string> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel', '0x1af4': 'virtio' };
  return readdirSync('/dev/dri')
    .filter((f) => f.startsWith('renderD'))
    .map((node) => {
      const vendorFile = `/sys/class/drm/${node}/device/vendor`;
      const vendor = existsSync(vendorFile) ? readFileSync(vendorFile, 'utf8').trim() : '';
      return `${vendors[vendor] ?? 'GPU'} (${node}${vendor ? `, vendor ${vendor}` : ''})`;
    });
}

function cpuInfo(): Diagnosis['cpu'] {
  const list = cpus();
  let flags = new Set<string>();
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    flags = new Set((/^(?:flags|Features)\s*:\s*(.*)$/m.exec(text)?.[1] ?? '').split(/\s+/));
  } catch {
    // not Linux: the model name is still known
  }
  return { model: list[0]?.model.trim() ?? 'unknown', logicalCores: list.length, features: CPU_FEATURES.filter((f) => flags.has(f)) };
}

function modelFit(dir: string, dtype: string | undefined, context: number): ModelFit {
  const pkg = loadModelPackage(dir);
  const chosen = chooseVariant(pkg.manifest, dtype ?? 'auto', providerPlan('auto')[0]!);
  const weightBytes = variantBytes(pkg, chosen) - statSync(packagePath(pkg.dir, pkg.manifest.files.tokenizer.path)).size;
  const t = pkg.manifest.text_config;
  const bytesPer = /16/.test(chosen) ? 2 : 4;
  const kvCacheBytes = t.num_hidden_layers * 2 * t.num_key_value_heads * t.head_dim * context * bytesPer;
  return { id: pkg.manifest.id, dtype: chosen, weightBytes, kvCacheBytes, context, fitsInMemory: weightBytes + kvCacheBytes < freemem() };
}

/** The diagnosis in plain words, one fact a line. */
export function describeDiagnosis(d: Diagnosis): string {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const size = (b: number) => (b >= 2 ** 30 ? gib(b) : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 2 ** 10).toFixed(1)} KiB`);
  const lines = ['Execution providers:'];
  for (const p of d.providers) {
    const state = !p.inBuild ? 'not in this build' : p.works ? (p.available ? 'works here' : `works here when asked for (${p.why})`) : `does not work here: ${p.error ?? p.why}`;
    lines.push(`  ${p.label.padEnd(8)} ${state}${p.deviceResident && p.works ? '; keeps the KV cache on the device' : ''}`);
  }
  lines.push(`GPU: ${d.gpu.devices.length ? d.gpu.devices.join('; ') : 'none visible'}`);
  if (d.gpu.vulkanDriver) lines.push(`Vulkan driver: ${d.gpu.vulkanDriver}${d.gpu.software ? ' (software: correct but slow)' : ''}`);
  lines.push(`CPU: ${d.cpu.model}, ${d.cpu.logicalCores} logical cores${d.cpu.features.length ? `, ${d.cpu.features.join(' ')}` : ''}`);
  lines.push(`Memory: ${gib(d.memory.freeBytes)} free of ${gib(d.memory.totalBytes)}`);
  if (d.model) {
    const m = d.model;
    lines.push(`Model ${m.id} (${m.dtype}): weights ${size(m.weightBytes)}, KV cache at ${m.context} tokens ${size(m.kvCacheBytes)}: ${m.fitsInMemory ? 'fits in free memory' : 'does NOT fit in free memory'}`);
  }
  return lines.join('\n');
}
