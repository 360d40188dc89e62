// Our decode step's fixed cost (issue 13), measured step by step so that a loaded machine's noise falls on every path
// alike: ModelRunner.feedIds([id]) (what generate runs per token), a bare step (embed_tokens then the decoder, feeds
// built inline, nothing else: what any engine on these graphs must at least do), and, with MEDRWR_BASELINE=<another
// checkout of this repository>, that checkout's feedIds, each on its own sequence, taking turns at every step in
// rotating order. Prints the median step time of each and the median of the per-step ratios.
//   node --import tsx bench/decode-step.ts [modelDir] [steps]
import { join } from 'node:path';
import { ModelRunner } from '../main/engine/model-runner.js';
import { bareStepper } from './bare-step.js';
import { workload } from './transformersjs/workload.js';

const ROOT = join(import.meta.dirname, '..');
const modelDir = process.argv[2] ?? join(ROOT, 'models/medrwr-tiny');
const STEPS = Number(process.argv[3] ?? 300);
const BASELINE = process.env.MEDRWR_BASELINE;
const { segments } = workload(modelDir);

const open = (R: typeof ModelRunner) => R.open({ modelDir, ep: 'cpu', threads: 1 });
const ours = await open(ModelRunner);
const bareRunner = await open(ModelRunner); // only its sessions and its prefilled cache are used
const base = BASELINE ? await open(((await import(join(BASELINE, 'main/engine/model-runner.ts'))) as { ModelRunner: typeof ModelRunner }).ModelRunner) : null;
for (const r of [ours, bareRunner, base]) await r?.feed(segments);

// A decoded text reuses a small set of ids; these 40 repeat with period 40.
const ids = Array.from({ length: STEPS }, (_, i) => ((i * 37) % 40) + 10);

const bare = bareStepper(bareRunner);

const paths: [string, (id: number) => Promise<void>][] = [
  ['ours', (id) => ours.feedIds([id])],
  ['bare', bare],
  ...(base ? [['baseline', (id: number) => base.feedIds([id])] as [string, (id: number) => Promise<void>]] : []),
];
const ms = new Map(paths.map(([name]) => [name, [] as number[]]));
for (let i = 0; i < STEPS; i++) {
  for (let k = 0; k < paths.length; k++) {
    const [name, step] = paths[(i + k) % paths.length]!;
    const t0 = performance.now();
    await step(ids[i]!);
    ms.get(name)!.push(performance.now() - t0);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const paired = (a: string, b: string) => median(ms.get(a)!.map((x, i) => x / ms.get(b)![i]!)).toFixed(3);
console.log(`${ours.manifest.id}, ${STEPS} steps from a ${ours.length - STEPS}-token prompt, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
console.log(`median step ms: ${paths.map(([n]) => `${n} ${median(ms.get(n)!).toFixed(3)}`).join(', ')}`);
console.log(`median of per-step time ratios: ours ÷ bare ${paired('ours', 'bare')}${base ? `, baseline ÷ bare ${paired('baseline', 'bare')}, ours ÷ baseline ${paired('ours', 'baseline')}` : ''}`);
for (const r of [ours, bareRunner, base]) await r?.dispose();
