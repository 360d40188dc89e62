import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy on loopback in front of a server (a PACS), transparent until `holdAfter(bytes)`: from then on the
 * response bytes it has passed on are counted, and past that many every response stalls until `open()`. A test can so
 * stop a retrieve part way, whatever the machine's speed, as a slow link would.
 */
export interface GatedProxy {
  /** The proxy's URL for `target`'s origin, with `target`'s path kept (e.g. …/dicom-web). */
  readonly url: string;
  holdAfter(bytes: number): void;
  open(): void;
  close(): Promise<void>;
}

export async function gatedProxy(target: string): Promise<GatedProxy> {
  const upstream = new URL(target);
  let limit = Infinity;
  let passed = 0;
  let waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up: IncomingMessage) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on('data', (chunk: Buffer) => {
          passed += chunk.length;
          res.write(chunk);
          if (passed >= limit) {
            up.pause();
            waiting.push(() => up.resume());
          }
        });
        up.on('end', () => res.end());
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy()); // the client gave up (a cancelled retrieve): so does the proxy
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    holdAfter(bytes) {
      passed = 0;
      limit = bytes;
    },
    open() {
      limit = Infinity;
      const resume = waiting;
      waiting = [];
      for (const r of resume) r();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
