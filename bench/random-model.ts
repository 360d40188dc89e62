// The larger random model (8 layers × hidden 512) the engine benchmarks share: generated on first use into .cache/ by
// bench/make_random_model.py (needs /usr/bin/python3 with torch). Returns its folder, or null when it cannot be made.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
export const RANDOM_MODEL_DIR = join(ROOT, '.cache/bench-models/random-8x512');

export function randomModel(log: (line: string) => void = console.log): string | null {
  if (!existsSync(join(RANDOM_MODEL_DIR, 'manifest.json'))) {
    try {
      execFileSync('/usr/bin/python3', [join(ROOT, 'bench/make_random_model.py'), RANDOM_MODEL_DIR], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    } catch {
      log('(could not generate the larger random model: /usr/bin/python3 with torch is needed)');
    }
  }
  return existsSync(join(RANDOM_MODEL_DIR, 'manifest.json')) ? RANDOM_MODEL_DIR : null;
}
