import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A remote retriever (Med-RwR's `POST /queries`) on loopback that accepts a query and never answers: a run that
 * queries it stays in flight, so a test can cancel it or kill the server mid-run, however fast the model decodes.
 */
export async function stalledRetriever(): Promise<{ url: string; queries: () => number; close: () => Promise<void> }> {
  let queries = 0;
  const server: Server = createServer((req) => {
    if (req.method === 'POST') queries++;
    req.resume(); // read the body, then hold the response open
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/queries`,
    queries: () => queries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
