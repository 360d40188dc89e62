import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { listSupportedBackends } from 'onnxruntime-node';

export const EP_CHOICES = ['auto', 'cuda', 'dml', 'cpu'] as const;
export type EpChoice = (typeof EP_CHOICES)[number];
export type ExecutionProvider = 'cuda' | 'dml' | 'cpu';

export function isEpChoice(value: string): value is EpChoice {
  return (EP_CHOICES as readonly string[]).includes(value);
}

/**
 * Whether this onnxruntime-node build can run a provider here. CUDA is Linux x64 only and its provider libraries are
 * fetched at install time (onnx-runtime.md §3.2), so "listed" is not enough: the .so must be beside the binding.
 */
export function providerAvailable(ep: ExecutionProvider): boolean {
  if (ep === 'cpu') return true;
  const listed = listSupportedBackends().find((b) => b.name === ep);
  if (ep === 'dml') return process.platform === 'win32' && listed !== undefined;
  if (process.platform !== 'linux' || process.arch !== 'x64' || !listed) return false;
  return listed.bundled || existsSync(join(bindingDir(), 'libonnxruntime_providers_cuda.so'));
}

function bindingDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** The order to try: `auto` = the best available accelerator then CPU; an explicit one = it, then CPU. */
export function providerPlan(choice: EpChoice): ExecutionProvider[] {
  if (choice === 'cpu') return ['cpu'];
  if (choice === 'auto') {
    if (providerAvailable('cuda')) return ['cuda', 'cpu'];
    if (providerAvailable('dml')) return ['dml', 'cpu'];
    return ['cpu'];
  }
  return [choice, 'cpu'];
}
