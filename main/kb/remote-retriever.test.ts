import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKnowledgeBase } from './build.js';
import { openKnowledgeBase, type KnowledgeBase } from './open.js';
import { serveQueries } from './queries-server.js';
import { RemoteTextRetriever } from './remote-retriever.js';
import { retrieverContract } from './testing/retriever-contract.js';
import { tempDir, TEXT_ENCODER, WORDNET_JSONL } from './testing/fixtures.js';

let kb: KnowledgeBase;
let served: Awaited<ReturnType<typeof serveQueries>>;
let remote: RemoteTextRetriever;

beforeAll(async () => {
  const out = join(tempDir(), 'wordnet');
  await buildKnowledgeBase({ sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, out, stderr: null });
  kb = await openKnowledgeBase(out);
  served = await serveQueries(kb.retriever);
  remote = new RemoteTextRetriever(served.url, { timeoutMs: 5000 });
});
afterAll(async () => {
  await served?.close();
  await kb?.close();
});

/** A loopback server answering with a fixed handler, for the failure cases. */
async function fakeServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('remote retriever (Med-RwR POST /queries) on loopback: the retriever contract', () => {
  retrieverContract(() => remote, { query: 'pneumothorax', mustContain: 'pleural cavity' });
});

describe('remote retriever: protocol and failures', () => {
  it('returns what the local KB returns, id and text split as the reference client does', async () => {
    const local = await kb.retriever.search('tuberculosis', 3);
    const far = await remote.search('tuberculosis', 3);
    expect(far.map((p) => p.text)).toEqual(local.map((p) => p.text));
    // WordNet ids are not numbers, so they do not travel (Med-RwR's lines carry only a line number)
    expect(far.map((p) => p.id)).toEqual([1, 2, 3].map((r) => `${served.url}/queries#${r}`));
    expect(remote.description.kind).toBe('remote');
  });

  it('speaks Med-RwR\'s wire format: {queries, k} in, {queries, answers} out; numbered lines are split', async () => {
    let seen: unknown;
    const { url, server } = await fakeServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, body: JSON.parse(body) as unknown };
        res.end(JSON.stringify({ queries: ['q'], answers: [['17 Pneumonia is lung inflammation.', 'no number here']] }));
      });
    });
    try {
      const found = await new RemoteTextRetriever(url).search('q', 2);
      expect(seen).toEqual({ method: 'POST', url: '/queries', body: { queries: ['q'], k: 2 } });
      expect(found).toEqual([
        { id: '17', text: 'Pneumonia is lung inflammation.', source: `${url}/queries`, scores: {}, rank: 1 },
        { id: `${url}/queries#2`, text: 'no number here', source: `${url}/queries`, scores: {}, rank: 2 },
      ]);
    } finally {
      server.close();
    }
  });

  it('a dead server gives a clear error within the timeout', async () => {
    const { url, server } = await fakeServer(() => undefined);
    await new Promise<void>((r) => server.close(() => r())); // port now closed
    const started = Date.now();
    await expect(new RemoteTextRetriever(url, { timeoutMs: 2000 }).search('pneumonia', 3)).rejects.toThrow(/remote retriever at .*\/queries cannot be reached \(ECONNREFUSED\): start it/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a server that never answers is cut off at the timeout with a clear error', async () => {
    const { url, server } = await fakeServer(() => undefined); // accepts, never replies
    try {
      await expect(new RemoteTextRetriever(url, { timeoutMs: 300 }).search('pneumonia', 3)).rejects.toThrow(/did not answer within 0\.3 s: check that it is running/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an HTTP error or a reply in another shape is reported, not trusted', async () => {
    const { url, server } = await fakeServer((req, res) => {
      res.statusCode = req.url === '/queries' ? 200 : 404;
      res.end(req.url === '/queries' ? JSON.stringify({ results: [] }) : '');
    });
    try {
      await expect(new RemoteTextRetriever(url).search('x', 3)).rejects.toThrow(/answered with something other than \{queries, answers\}/);
      await expect(new RemoteTextRetriever(`${url}/other/`).search('x', 3)).rejects.toThrow(/answered HTTP 404/);
    } finally {
      server.close();
    }
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => new RemoteTextRetriever('not a url')).toThrow(/is not a URL/);
    expect(() => new RemoteTextRetriever('ftp://127.0.0.1/')).toThrow(/must be http or https/);
  });
});
