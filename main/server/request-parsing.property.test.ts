import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiErrorBody } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { fileLogger } from '../app/log.js';
import { cookieValues, ownPath, parseTarget, percentDecode } from './request-target.js';
import { startServer, type RunningServer } from './server.js';
import { rawRequest } from './testing/raw-http.js';

// Property tests of what web mode parses before it trusts a request. Fixed seed and bounded runs: the same cases
// every time, a few seconds in all.
const SEED = 18;
const ORIGIN = 'http://127.0.0.1';

const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const awkward = fc.constantFrom('', '.', '..', '%', '%2', '%zz', '%E0%A4%A', '%2F', '%5C', '%2e%2e', '%00', '%C0%AF', '\\', '/', '//', '@evil.com', 'evil.com', '[::1', ':80', '?', '#', ';', '=');
const segment = fc.oneof(awkward, printable(12), fc.constantFrom('api', 'call', 'app.info', 'files', 'instances', 'assets', 'events', 'index.html'));
const path = fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`);

describe('request-target parsing (pure)', () => {
  it('never throws, and whatever parses is a path on our origin', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), path, printable(40).map((s) => `http://${s}`)), (raw) => {
        const url = parseTarget(raw);
        if (url) expect(url.origin).toBe(ORIGIN);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('a redirect built from any parsed target resolves, as a browser would, to our own origin', () => {
    fc.assert(
      fc.property(path, fc.option(printable(20)), (p, query) => {
        const url = parseTarget(query === null ? p : `${p}?${query}`);
        if (!url) return;
        const location = ownPath(url);
        expect(location.startsWith('/') && !/^.[/\\]/.test(location)).toBe(true);
        expect(new URL(location, `${ORIGIN}:8080/some/page`).origin).toBe(`${ORIGIN}:8080`);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('percent-decoding never throws and inverts encoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (junk, text) => {
        percentDecode(junk);
        expect(percentDecode(encodeURIComponent(text))).toBe(text);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('our cookie is found among any other cookies, however malformed', () => {
    const other = fc.tuple(printable(10).filter((n) => !n.includes('=') && !n.includes(';')), fc.string({ unit: 'binary-ascii', maxLength: 20 }).filter((v) => !v.includes(';')));
    fc.assert(
      fc.property(fc.array(other, { maxLength: 5 }), fc.array(other, { maxLength: 5 }), (before, after) => {
        const header = [...before, ['medrwr_token', 'T0k-en_'], ...after].map(([n, v]) => `${n}=${v}`).join('; ');
        expect(cookieValues(header, 'medrwr_token')).toContain('T0k-en_');
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('a real server on 127.0.0.1 under arbitrary requests', () => {
  let ctx: AppContext;
  let server: RunningServer;
  beforeAll(async () => {
    const rendererDir = mkdtempSync(join(tmpdir(), 'medrwr-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    const base = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-data-')), transport: 'web' });
    ctx = { ...base, logger: fileLogger(base.dataDir, false) }; // hundreds of refusals: to the log file only
    server = await startServer(ctx, { port: 0, rendererDir });
  });
  afterAll(() => server.close());

  it('answers every request with a status below 500, refusals as contract errors, redirects on our origin', async () => {
    const host = () => `127.0.0.1:${server.port}`;
    const token = () => server.token;
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
      target: fc.oneof(
        { weight: 4, arbitrary: path },
        { weight: 2, arbitrary: fc.tuple(path, printable(20)).map(([p, q]) => `${p}?${q}`) },
        { weight: 2, arbitrary: path.map((p) => ({ p, tokenQuery: true })) },
        { weight: 1, arbitrary: printable(30) },
        { weight: 1, arbitrary: printable(20).map((s) => `http://${s}`) },
      ),
      host: fc.constantFrom('ours', 'localhost', 'evil.example', ''),
      tokenHeader: fc.constantFrom('none', 'right', 'wrong'),
      cookie: fc.option(fc.tuple(fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.boolean())),
      origin: fc.constantFrom(undefined, 'ours', 'http://evil.example', 'null'),
      upgrade: fc.boolean(),
      body: fc.option(fc.oneof(fc.json(), fc.string({ unit: 'binary-ascii', maxLength: 200 }))),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const target = typeof r.target === 'string' ? r.target : `${r.target.p}?token=${token()}`;
        const headers = [
          ...(r.host === '' ? [] : [`Host: ${r.host === 'ours' ? host() : r.host === 'localhost' ? `localhost:${server.port}` : r.host}`]),
          ...(r.tokenHeader === 'none' ? [] : [`X-Medrwr-Token: ${r.tokenHeader === 'right' ? token() : 'wrong'}`]),
          ...(r.cookie ? [`Cookie: ${r.cookie[0].replace(/[\r\n\0]/g, '')}${r.cookie[1] ? `; medrwr_token=${token()}` : ''}`] : []),
          ...(r.origin === undefined ? [] : [`Origin: ${r.origin === 'ours' ? `http://${host()}` : r.origin}`]),
          ...(r.upgrade ? ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='] : ['Connection: close']),
        ];
        const body = r.body === null ? '' : r.body;
        const head = `${r.method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n`;
        // A healthy server answers in milliseconds; 3 s without an answer or a close is a wedged connection.
        const res = await rawRequest(server.port, Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'latin1')]), 3000);
        expect(res.status, `${head}\n→ ${res.status} ${res.body}`).toBeDefined();
        expect(res.status!, `${head}\n→ ${res.body}`).toBeLessThan(500);
        if (res.status! >= 400 && r.method !== 'HEAD' && res.headers['content-type']?.startsWith('application/json')) ApiErrorBody.parse(JSON.parse(res.body));
        if (res.headers.location !== undefined) expect(new URL(res.headers.location, `http://${host()}${target.startsWith('/') ? '' : '/'}`).host).toBe(host());
      }),
      { seed: SEED, numRuns: 300, endOnFailure: true },
    );
    const alive = await fetch(`http://127.0.0.1:${server.port}/api/call/app.info`, { method: 'POST', body: '{}', headers: { 'x-medrwr-token': server.token } });
    expect(alive.status).toBe(200);
  });
});
