import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TextRetriever } from './retriever.js';

/**
 * Serves a retriever over Med-RwR's protocol (`POST /queries` {queries, k} → {queries, answers}) on 127.0.0.1, as
 * retrieve/retrieve.py does. Each answer is "<id> <text>" when the id is a number (a knowledge_base.tsv line, which the
 * reference client strips), else just the text. Lets Med-RwR's own Python code use a local knowledge base.
 */
export async function serveQueries(retriever: TextRetriever, port = 0): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/queries') return reply(404, { error: 'POST /queries only' });
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      void (async () => {
        let body: { queries?: unknown; k?: unknown };
        try {
          body = JSON.parse(raw) as typeof body;
        } catch {
          return reply(400, { error: 'body is not JSON' });
        }
        const k = body.k === undefined ? 3 : body.k;
        if (!Array.isArray(body.queries) || !body.queries.every((q) => typeof q === 'string') || typeof k !== 'number') return reply(400, { error: 'expected {queries: string[], k: number}' });
        try {
          const answers = await Promise.all((body.queries as string[]).map(async (q) => (await retriever.search(q, k)).map((p) => (/^\d+$/.test(p.id) ? `${p.id} ${p.text}` : p.text))));
          reply(200, { queries: body.queries, answers });
        } catch (err) {
          reply(500, { error: (err as Error).message });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${bound}`, server, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
