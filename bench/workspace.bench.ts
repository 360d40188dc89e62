// The workspace in the browser (web mode, Debian Chromium): time from clicking Run to the first token on screen, and
// from a token's generation (the main side's event time) to the frame that paints it, p50 and p95.
import { chromium } from '@playwright/test';
import { existsSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveApp } from '../test/support/cli.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DEMO = existsSync('models/medrwr-tiny/manifest.json') && existsSync('kb/demo/index/manifest.json');
const CT = resolve('test-data/deb/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm');
if (!existsSync(CT)) throw new Error('test data missing: run scripts/fetch-test-data');

const dataDir = mkdtempSync(join(tmpdir(), 'medrwr-bench-workspace-'));
writeFileSync(
  join(dataDir, 'settings.json'),
  JSON.stringify(DEMO ? { executionProvider: 'cpu' } : { modelDir: 'models/fixtures/tiny-random', kb: { kind: 'none' }, executionProvider: 'cpu', rounds: 1 }),
);
const app = await serveApp({ dataDir });
const call = async <T>(method: string, params: unknown = {}): Promise<T> => {
  const res = await fetch(`${app.origin}/api/call/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-medrwr-token': app.token }, body: JSON.stringify(params) });
  const body = (await res.json()) as { result: T; message?: string };
  if (!res.ok) throw new Error(`${method}: ${body.message}`);
  return body.result;
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const { taskId } = await call<{ taskId: string }>('studies.import', { paths: [CT] });
  while ((await call<{ state: string }>('studies.importReport', { taskId })).state === 'running') await new Promise((r) => setTimeout(r, 100));
  const { patients } = await call<{ patients: { studies: { series: { seriesInstanceUid: string }[] }[] }[] }>('studies.list');
  const { instances } = await call<{ instances: { sopInstanceUid: string }[] }>('series.instances', { seriesInstanceUid: patients[0]!.studies[0]!.series[0]!.seriesInstanceUid });
  await call('cases.create', {
    title: 'Benchmark case',
    question: 'What does this CT slice show?',
    options: [{ letter: 'A', text: 'Normal' }, { letter: 'B', text: 'Fracture' }, { letter: 'C', text: 'Mass' }],
    keyImages: [{ sopInstanceUid: instances[0]!.sopInstanceUid, frame: 0, window: { center: 40, width: 400 }, invert: false }],
  });

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('crash', () => process.stderr.write('page crashed\n'));
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  await page.goto(app.url);
  await page.getByTestId('run-button').waitFor();
  // Warm-up run: loads the model into the engine worker (not measured).
  // In-page, as a string: the clock starts at the click itself, and tsx's helpers never reach the page.
  const RUN_ONCE = `new Promise((done) => {
    window.__medrwrPaints = [];
    const button = document.querySelector('[data-testid=run-button]');
    const t0 = performance.now();
    let first = -1;
    let started = false;
    const tick = () => {
      const el = document.querySelector('[data-testid=trace]');
      const tokens = Number(el?.dataset.tokens ?? 0);
      if (el?.dataset.status === 'running') started = true;
      if (started && first < 0 && tokens > 0) first = performance.now() - t0;
      if (started && el && el.dataset.status !== 'running') done({ firstTokenMs: first, tokens });
      else requestAnimationFrame(tick);
    };
    button.click();
    requestAnimationFrame(tick);
  })`;
  const runOnce = () => page.evaluate(RUN_ONCE) as Promise<{ firstTokenMs: number; tokens: number }>;
  await runOnce();
  const firsts: number[] = [];
  const lags: number[] = [];
  let tokens = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await runOnce();
    firsts.push(r.firstTokenMs);
    tokens += r.tokens;
    const paints = (await page.evaluate('window.__medrwrPaints ?? []')) as { at: number; paintedAt: number }[];
    if (paints.length === 0) throw new Error('no paint timings: build the renderer with VITE_PAINT_TIMINGS=1 (npm run bench does)');
    for (const p of paints) lags.push(p.paintedAt - p.at);
    await page.getByTestId('run-button').waitFor();
  }
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]!;
  };
  const cpu = cpus();
  process.stdout.write(
    [
      `workspace (web mode, Chromium ${browser.version()}), model ${DEMO ? 'medrwr-tiny + kb/demo' : 'models/fixtures/tiny-random (random weights), no KB, 1 round'}, CPU EP`,
      `machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores`,
      `runs: ${RUNS} (after one warm-up run), ${tokens} tokens painted`,
      `Run click -> first token on screen: p50 ${q(firsts, 0.5).toFixed(1)} ms, p95 ${q(firsts, 0.95).toFixed(1)} ms`,
      `token generated -> painted (${lags.length} paints; React batches tokens that arrive within one frame): p50 ${q(lags, 0.5).toFixed(1)} ms, p95 ${q(lags, 0.95).toFixed(1)} ms`,
      '',
    ].join('\n'),
  );
} finally {
  await browser.close();
  await app.stop();
}
