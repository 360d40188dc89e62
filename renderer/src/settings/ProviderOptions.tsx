import type { Settings } from '../../../main/api/index.js';

/** The execution providers a user can choose, in the order offered, with their names as the settings and run controls show them. */
const PROVIDERS: readonly [Settings['executionProvider'], string][] = [
  ['auto', 'Auto (best available, else CPU)'],
  ['cuda', 'CUDA'],
  ['webgpu', 'WebGPU'],
  ['dml', 'DirectML'],
  ['cpu', 'CPU'],
];

/** The <option>s of an execution-provider <select>. */
export function ProviderOptions() {
  return (
    <>
      {PROVIDERS.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </>
  );
}
