import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tiny random checkpoint in the published Hugging Face format, and what transformers v4.49.0 computes on it. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const HF_FIXTURE_DIR = join(ROOT, 'models/fixtures/hf-qwen25vl-tiny');
export const PYTHON = '/usr/bin/python3';

export interface HfScenario {
  images: [number, number][];
  image_grid_thw: number[][];
  input_ids: number[];
  rope_delta: number;
  /** Greedy tokens: the one after the prompt, then one per cached step. */
  tokens: number[];
  /** Full-vocabulary logits at the last prompt position, then after each cached step. */
  logits: number[][];
}

export interface HfReference {
  tolerance: { image_features: number; logits: number };
  question: string;
  vision: { images: [number, number][]; image_grid_thw: number[][]; shape: [number, number]; features: number[]; window_vs_full_attention_max_diff: number };
  one_image: HfScenario;
  two_images: HfScenario;
}

export function hfReference(): HfReference {
  return JSON.parse(readFileSync(join(HF_FIXTURE_DIR, 'reference.json'), 'utf8')) as HfReference;
}

/** Runs the converter (`python3 -m models.convert.qwen25vl`); resolves with its exit code and stderr. */
export function runConverter(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'models.convert.qwen25vl', ...args], { cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
