import { describe, expect, it } from 'vitest';
import { serveApp } from './support/cli.js';
import { spawnSync } from 'node:child_process';

describe('medrwr CLI', () => {
  it('serve --port 0 prints a loopback URL with a token; the token is required', async () => {
    const app = await serveApp();
    try {
      expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
      const denied = await fetch(`${app.origin}/api/call/app.info`, { method: 'POST', body: '{}' });
      expect(denied.status).toBe(401);
      const ok = await fetch(`${app.origin}/api/call/app.info`, { method: 'POST', body: '{}', headers: { 'x-medrwr-token': app.token } });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { result: { dataDir: string } }).result.dataDir).toBe(app.dataDir);
    } finally {
      await app.stop();
    }
  });

  it('--version and --help', () => {
    const version = spawnSync(process.execPath, ['bin/medrwr.js', '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = spawnSync(process.execPath, ['bin/medrwr.js', '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/serve/);
    expect(help.stdout).toMatch(/Decision support, not for primary diagnosis/);
  });

  it('a bad --port is a usage error, not a crash', () => {
    const res = spawnSync(process.execPath, ['bin/medrwr.js', 'serve', '--port', 'abc'], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/--port must be an integer/);
  });
});
