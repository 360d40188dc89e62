// Web mode end to end in one process tree: starts `medrwr serve` on the demo, runs the ambiguous demo case over HTTP
// and prints the finished run as one JSON line: { status, events: [{ type, phase?, letter? }] } (token events left out).
//   node test/support/serve-one-run.mjs DATA_DIR
// Used by the no-egress test inside a loopback-only network namespace.
import { spawn } from 'node:child_process';

const dataDir = process.argv[2];
const server = spawn(process.execPath, ['bin/medrwr.js', 'serve', '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)/.exec(out);
      if (m) resolve({ origin: m[1], token: m[2] });
    });
    server.on('exit', (code) => reject(new Error(`medrwr serve exited ${code}:\n${out}`)));
  });
  const call = async (method, params = {}) => {
    const res = await fetch(`${url.origin}/api/call/${method}`, { method: 'POST', headers: { 'x-medrwr-token': url.token }, body: JSON.stringify(params) });
    const body = await res.json();
    if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
    return body.result;
  };
  await call('cases.ensureDemo');
  const { cases } = await call('cases.list');
  const ambiguous = cases.find((c) => /ambiguous/i.test(c.title));
  const { runId } = await call('cases.run', { caseId: ambiguous.id });
  for (;;) {
    const detail = await call('cases.get', { caseId: ambiguous.id, audit: false });
    const run = detail.runs.find((r) => r.id === runId);
    if (run && run.status !== 'running') {
      const events = run.events.filter((e) => e.type !== 'token').map((e) => ({ type: e.type, phase: e.phase, letter: e.letter }));
      process.stdout.write(`${JSON.stringify({ status: run.status, events })}\n`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
} finally {
  server.kill();
}
