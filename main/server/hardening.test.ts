import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { startServer, type RunningServer } from './server.js';
import { rawRequest } from './testing/raw-http.js';

// Each finding of the attack pass (issue 18) against a real server on 127.0.0.1: the answer is the right 4xx and the
// server still serves a good request afterwards.
let ctx: AppContext;
let server: RunningServer;

beforeAll(async () => {
  const rendererDir = mkdtempSync(join(tmpdir(), 'medrwr-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-data-')), transport: 'web' });
  server = await startServer(ctx, { port: 0, rendererDir });
});
afterAll(() => server.close());

const host = () => `127.0.0.1:${server.port}`;
const get = (target: string, headers: string[] = []) =>
  rawRequest(server.port, [`GET ${target} HTTP/1.1`, `Host: ${host()}`, 'Connection: close', ...headers, '', ''].join('\r\n'));
const upgrade = (target: string, headers: string[] = []) =>
  get(target, ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...headers]);

async function expectAlive(): Promise<void> {
  const res = await fetch(`http://${host()}/api/call/app.info`, { method: 'POST', body: '{}', headers: { 'x-medrwr-token': server.token } });
  expect(res.status).toBe(200);
}

describe('pre-auth WebSocket upgrades that used to kill the server', () => {
  it('a malformed cookie on an upgrade without token is refused 401 and the server lives', async () => {
    const res = await upgrade('/api/events', ['Cookie: x=%']);
    expect(res.status).toBe(401);
    await expectAlive();
  });

  it('an unparseable request target on an upgrade is refused 400', async () => {
    const res = await upgrade('http://[::1');
    expect(res.status).toBe(400);
    await expectAlive();
  });

  it('an upgrade with the token but another path is 404, and the events socket still opens with a malformed cookie beside the token', async () => {
    expect((await upgrade('/nope', [`X-Medrwr-Token: ${server.token}`])).status).toBe(404);
    const ws = new WebSocket(`ws://${host()}/api/events`, { headers: { cookie: `zoom=100%; medrwr_token=${server.token}` } });
    await new Promise((resolve, reject) => ws.on('open', resolve).on('error', reject));
    ws.close();
  });
});

describe('an open events socket', () => {
  async function openEvents(): Promise<Socket> {
    const socket = connect(server.port, '127.0.0.1');
    socket.write([`GET /api/events HTTP/1.1`, `Host: ${host()}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', `X-Medrwr-Token: ${server.token}`, '', ''].join('\r\n'));
    const head = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    return socket;
  }

  it('a malformed frame closes that socket only', async () => {
    const socket = await openEvents();
    socket.write(Buffer.from([0x8f, 0x80, 0, 0, 0, 0])); // masked frame with the reserved opcode 15
    await new Promise((resolve) => socket.on('close', resolve));
    await expectAlive();
  });

  it('a message over 64 KB closes that socket only', async () => {
    const ws = new WebSocket(`ws://${host()}/api/events`, { headers: { 'x-medrwr-token': server.token } });
    await new Promise((resolve) => ws.on('open', resolve));
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(65 * 1024));
    expect(await closed).toBe(1009); // "message too big"
    await expectAlive();
  });
});

describe('client input that used to answer 500', () => {
  it('another local app\'s cookie "zoom=100%" does not break our page', async () => {
    const res = await get('/', [`Cookie: zoom=100%; medrwr_token=${server.token}; other=%E0%A4%A`]);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/<title>t<\/title>/);
    expect((await get('/', ['Cookie: x=%'])).status).toBe(401);
  });

  it('CONNECT (a proxy request) is dropped without an answer and the server lives', async () => {
    const res = await rawRequest(server.port, 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
    expect(res.status).toBeUndefined();
    await expectAlive();
  });

  it('an unparseable request target on plain HTTP is 400', async () => {
    const res = await get('http://[::1', [`X-Medrwr-Token: ${server.token}`]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/request target/) });
    await expectAlive();
  });

  it.each(['/files/instances/%E0%A4%A', '/assets/%', '/%', '/files/instances/%zz'])('bad percent-encoding in %s is 400', async (target) => {
    const res = await get(target, [`X-Medrwr-Token: ${server.token}`]);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/percent-encoding/) });
  });
});

describe('request bodies over the limit', () => {
  const LIMIT = 80 * 1024 * 1024;

  it('a declared Content-Length over the limit is 413 before any body is read', async () => {
    const res = await rawRequest(server.port, [
      'POST /api/call/app.info HTTP/1.1', `Host: ${host()}`, `X-Medrwr-Token: ${server.token}`, `Content-Length: ${LIMIT + 1}`, 'Connection: close', '', '{}',
    ].join('\r\n'));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/80 MB/) });
    await expectAlive();
  });

  it('with Expect: 100-continue an oversized upload is refused before the client sends it', async () => {
    const res = await rawRequest(server.port, [
      'POST /api/call/app.info HTTP/1.1', `Host: ${host()}`, `X-Medrwr-Token: ${server.token}`, `Content-Length: ${LIMIT + 1}`, 'Expect: 100-continue', 'Connection: close', '', '',
    ].join('\r\n'));
    expect(res.status).toBe(413); // the first and only status line: no "100 Continue" invited the body
  });

  it('a chunked body that grows past the limit is answered 413, not reset', async () => {
    const chunk = Buffer.alloc(4 * 1024 * 1024, 0x20);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let sent = 0; sent <= LIMIT; sent += chunk.length) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`http://${host()}/api/call/app.info`, { method: 'POST', body, duplex: 'half', headers: { 'x-medrwr-token': server.token } } as RequestInit);
    expect(res.status).toBe(413);
    await expectAlive();
  });
});

describe('the token redirect of the first page load', () => {
  it.each([
    ['/a/..//evil.com/', '/evil.com/'],
    ['//evil.com/', '/evil.com/'],
    ['/\\evil.com/', '/evil.com/'],
    ['/cases/7', '/cases/7'],
  ])('%s?token=… redirects to our own path %s', async (path, location) => {
    const res = await get(`${path}?token=${server.token}&x=1`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${location}?x=1`);
  });
});
