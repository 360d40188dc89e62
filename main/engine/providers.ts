import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type * as ort from 'onnxruntime-node';
import { listSupportedBackends } from 'onnxruntime-node';

export const EP_CHOICES = ['auto', 'cuda', 'dml', 'webgpu', 'cpu'] as const;
export type EpChoice = (typeof EP_CHOICES)[number];
export type ExecutionProvider = Exclude<EpChoice, 'auto'>;

export function isEpChoice(value: string): value is EpChoice {
  return (EP_CHOICES as readonly string[]).includes(value);
}

/** Whether a provider can run here, and if not, what is missing (in words for the notice). */
export type Availability = { readonly ok: true } | { readonly ok: false; readonly why: string; readonly tryIfAsked?: boolean };

/**
 * Every execution provider in one table (onnx-runtime.md §3): where it can run, what it needs, the session options it
 * wants, and whether the KV cache can stay on its device between decoder steps. Adding a provider is one entry here.
 */
export interface ProviderSpec {
  readonly name: ExecutionProvider;
  readonly label: string;
  /** `auto` tries the providers in this table's order; a provider that only works when asked for says why not. */
  readonly auto: boolean;
  available(): Availability;
  /** Extra session options for this provider. */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  /** Outputs can be left on the device (`preferredOutputLocation: 'gpu-buffer'`) and fed back as inputs. */
  readonly deviceResident: boolean;
}

export const PROVIDERS: readonly ProviderSpec[] = [
  {
    name: 'cuda',
    label: 'CUDA',
    auto: true,
    available: () => {
      if (process.platform !== 'linux' || process.arch !== 'x64') return { ok: false, why: `CUDA runs on Linux x64 only (this is ${process.platform}/${process.arch})` };
      const listed = listSupportedBackends().find((b) => b.name === 'cuda');
      if (!listed) return { ok: false, why: 'this onnxruntime-node build has no CUDA provider' };
      if (!listed.bundled && !existsSync(join(bindingDir(), CUDA_PROVIDER_LIB))) {
        return { ok: false, why: `its provider libraries are not installed (${CUDA_PROVIDER_LIB} is missing beside the binding; see README "GPU")` };
      }
      return { ok: true };
    },
    // onnxruntime-node copies CUDA outputs to host memory at every run: its cache cannot stay on the device.
    deviceResident: false,
  },
  {
    name: 'dml',
    label: 'DirectML',
    auto: true,
    available: () => (process.platform === 'win32' && listSupportedBackends().some((b) => b.name === 'dml') ? { ok: true } : { ok: false, why: 'DirectML runs on Windows only' }),
    sessionOptions: { enableMemPattern: false, executionMode: 'sequential' },
    deviceResident: false,
  },
  {
    name: 'webgpu',
    label: 'WebGPU',
    auto: true,
    available: () => {
      if (!listSupportedBackends().some((b) => b.name === 'webgpu')) return { ok: false, why: 'this onnxruntime-node build has no WebGPU provider' };
      return hardwareGpuVisible() ? { ok: true } : { ok: false, why: 'no GPU adapter is visible (a software Vulkan driver is used only when asked for with --ep webgpu)', tryIfAsked: true };
    },
    // It warns at every session that shape ops run on the CPU, which is by design: errors only.
    sessionOptions: { logSeverityLevel: 3 },
    deviceResident: true,
  },
  { name: 'cpu', label: 'CPU', auto: true, available: () => ({ ok: true }), deviceResident: false },
];

const CUDA_PROVIDER_LIB = 'libonnxruntime_providers_cuda.so';

export function providerSpec(name: ExecutionProvider): ProviderSpec {
  return PROVIDERS.find((p) => p.name === name)!;
}

/** The order to try: `auto` = the available accelerators in table order, then CPU; an explicit one = it, then CPU. */
export function providerPlan(choice: EpChoice): ExecutionProvider[] {
  if (choice === 'cpu') return ['cpu'];
  if (choice === 'auto') return [...PROVIDERS.filter((p) => p.auto && p.name !== 'cpu' && p.available().ok).map((p) => p.name), 'cpu'];
  return [choice, 'cpu'];
}

function bindingDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/**
 * Whether a hardware GPU is there for WebGPU: Windows and macOS always have an adapter; on Linux a DRM render node
 * or an NVIDIA device, and a Vulkan driver list that does not force a software rasteriser (SwiftShader, lavapipe).
 */
export function hardwareGpuVisible(): boolean {
  if (process.platform === 'win32' || process.platform === 'darwin') return true;
  const icd = process.env.VK_ICD_FILENAMES ?? '';
  if (/swiftshader|lvp_icd|lavapipe/i.test(icd)) return false;
  const dri = existsSync('/dev/dri') ? readdirSync('/dev/dri').some((f) => f.startsWith('renderD')) : false;
  return dri || existsSync('/dev/nvidia0');
}

/** ONNX Runtime's error for a provider in words: its first line, without the source file and the failed check. */
export function providerErrorText(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split('\n').find((l) => l.trim()) ?? 'no reason given';
  return line.replace(/^\S+\.(?:cc|h|cpp):\d+ .*? was false\. /, '').replace(/^\S+\.(?:cc|h|cpp):\d+ /, '').trim();
}

/** The Vulkan driver WebGPU will use on Linux, from VK_ICD_FILENAMES (what `doctor` and About name). */
export function vulkanDriver(): string | null {
  const icd = (process.env.VK_ICD_FILENAMES ?? '').split(':').find(Boolean);
  if (!icd) return null;
  try {
    const lib = (JSON.parse(readFileSync(icd, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path ?? icd;
    return /swiftshader/i.test(lib) ? `SwiftShader (software Vulkan, ${lib})` : lib;
  } catch {
    return icd;
  }
}
