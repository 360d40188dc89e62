import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createAppContext } from '../app/create.js';
import { startServer, type RunningServer } from './server.js';
import type { AppContext } from '../app/context.js';

let ctx: AppContext;
let server: RunningServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'medrwr-renderer-'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-data-')), transport: 'web' });
  server = await startServer(ctx, { port: 0, rendererDir });
});
afterAll(() => server.close());

const call = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', body: '{}', ...init });

describe('web mode server', () => {
  it('refuses an API call without the token, and logs it', async () => {
    const res = await call('/api/call/app.info');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('unauthorized');
    expect(readFileSync(join(ctx.dataDir, 'logs', 'medrwr.log'), 'utf8')).toMatch(/refused POST \/api\/call\/app.info: no token/);
  });

  it('refuses a wrong token', async () => {
    expect((await call('/api/call/app.info', { headers: { 'x-medrwr-token': 'nope' } })).status).toBe(401);
  });

  it('refuses another origin even with the token', async () => {
    const res = await call('/api/call/app.info', { headers: { 'x-medrwr-token': server.token, origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
  });

  it('refuses another Host name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/call/app.info', method: 'POST', headers: { host: 'attacker.example', 'x-medrwr-token': server.token } }, (res) => resolve(res.statusCode ?? 0));
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('answers app.info with the token', async () => {
    const res = await call('/api/call/app.info', { headers: { 'x-medrwr-token': server.token, origin: `http://127.0.0.1:${server.port}` } });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { transport: string; dataDir: string; executionProviders: { name: string }[]; libraries: Record<string, string> } };
    expect(result.transport).toBe('web');
    expect(result.dataDir).toBe(ctx.dataDir);
    expect(result.executionProviders.map((e) => e.name)).toContain('cpu');
    expect(result.libraries['onnxruntime-node']).toBe('1.30.0');
  });

  it('rejects params that break the contract with a specific message', async () => {
    const res = await call('/api/call/app.info', { headers: { 'x-medrwr-token': server.token }, body: '{"extra":1}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/Invalid params for app.info/);
    const bad = await call('/api/call/app.info', { headers: { 'x-medrwr-token': server.token }, body: '{not json' });
    expect(bad.status).toBe(400);
    const unknown = await call('/api/call/nope.nope', { headers: { 'x-medrwr-token': server.token } });
    expect(((await unknown.json()) as { code: string }).code).toBe('unknown_method');
  });

  it('trades the URL token for an HttpOnly cookie on first load', async () => {
    const res = await fetch(server.url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    const page = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('streams events over the WebSocket only with the token', async () => {
    const refused = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`);
    await expect(new Promise((_, reject) => refused.on('error', reject))).rejects.toThrow(/401/);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers: { 'x-medrwr-token': server.token } });
    await new Promise((resolve) => ws.on('open', resolve));
    const got = new Promise<string>((resolve) => ws.on('message', (d) => resolve(String(d))));
    ctx.events.emit({ type: 'notice', taskId: 't1', level: 'info', message: 'hello' });
    expect(JSON.parse(await got)).toMatchObject({ type: 'notice', taskId: 't1', seq: 0, message: 'hello' });
    ws.close();
  });
});
