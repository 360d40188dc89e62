import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServedApp {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  output: () => string;
  child: ChildProcess;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
  /** Calls a contract method with this launch's token; throws with the server's message on an error status. */
  call: <T = Record<string, unknown>>(method: string, params?: unknown) => Promise<T>;
}

/** Spawns `medrwr serve --port 0` (or any command that prints the URL) and waits for the URL line. */
export async function serveApp(opts: { dataDir?: string; command?: string[]; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ServedApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'medrwr-test-'));
  const command = opts.command ?? [process.execPath, 'bin/medrwr.js', 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env }, detached: true });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 90 s; output:\n${out}`)), 90_000);
    const check = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before printing a URL:\n${out}`));
    });
  });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token')!;
  return {
    call: async <T,>(method: string, params: unknown = {}): Promise<T> => {
      const res = await fetch(`${parsed.origin}/api/call/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-medrwr-token': token }, body: JSON.stringify(params) });
      const body = (await res.json()) as { result: T; message?: string };
      if (!res.ok) throw new Error(`${method}: ${body.message}`);
      return body.result;
    },
    url,
    origin: parsed.origin,
    token,
    dataDir,
    output: () => out,
    child,
    // Signals the whole process group: `npm start` runs the server as a child.
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid!, signal);
      }),
  };
}
