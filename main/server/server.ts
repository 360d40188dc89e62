import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import { checkRequest, newToken, TOKEN_COOKIE } from './auth.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import { INSTANCE_FILES_PREFIX, sendInstanceFile } from './instance-files.js';
import { readStatic } from './static-files.js';

export interface ServeOptions {
  port: number;
  rendererDir: string;
}

export interface RunningServer {
  readonly port: number;
  readonly token: string;
  /** The address to open, token included; the page trades it for a cookie and drops it from the address bar. */
  readonly url: string;
  close(): Promise<void>;
}

// Large enough for one batch of dropped DICOM files (studies.upload), base64 and JSON included.
const MAX_BODY = 80 * 1024 * 1024;

/** Web mode: the contract over HTTP (requests) and WebSocket (events), bound to 127.0.0.1 only. */
export async function startServer(ctx: AppContext, opts: ServeOptions): Promise<RunningServer> {
  const token = newToken();
  let port = opts.port;
  const http = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      ctx.logger.log('error', 'request failed', { url: req.url, error: String(err) });
      if (!res.headersSent) sendJson(res, 500, new ApiError('internal', 'Internal server error').toBody());
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const unsubscribe = ctx.events.subscribe((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) ws.send(text);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = checkRequest(req, token, port);
    if (!verdict.ok) {
      ctx.logger.log('warn', `refused ${req.method} ${redact(req.url)}: ${verdict.reason}`, { status: verdict.status, origin: req.headers.origin });
      sendJson(res, verdict.status, new ApiError(verdict.status === 401 ? 'unauthorized' : 'forbidden', `Refused: ${verdict.reason}.`).toBody());
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.searchParams.has('token')) {
      // First load: keep the token in an HttpOnly cookie rather than in history and the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, {
        'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + url.search,
      });
      res.end();
      return;
    }
    if (url.pathname.startsWith(INSTANCE_FILES_PREFIX)) return sendInstanceFile(ctx, req, res, url.pathname);
    if (url.pathname.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendJson(res, 405, new ApiError('bad_request', 'Use POST for API calls.').toBody());
      const name = url.pathname.slice('/api/call/'.length);
      let params: unknown;
      try {
        params = JSON.parse((await readBody(req)) || '{}');
      } catch (err) {
        return sendJson(res, 400, new ApiError('bad_request', `Request body is not JSON: ${(err as Error).message}`).toBody());
      }
      try {
        sendJson(res, 200, { result: await dispatch(ctx, name, params) });
      } catch (err) {
        const apiErr = err instanceof ApiError ? err : new ApiError('internal', String(err));
        sendJson(res, statusOf(apiErr), apiErr.toBody());
      }
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, new ApiError('bad_request', 'Method not allowed.').toBody());
    const file = await readStatic(opts.rendererDir, url.pathname);
    if (!file) {
      return sendJson(res, 404, new ApiError('not_found', `No renderer build at ${opts.rendererDir}; run "npm run build".`).toBody());
    }
    res.writeHead(200, {
      'content-type': file.type,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  http.on('upgrade', (req, socket, head) => {
    const verdict = checkRequest(req, token, port);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!verdict.ok || path !== '/api/events') {
      ctx.logger.log('warn', `refused websocket ${redact(req.url)}: ${verdict.ok ? 'unknown path' : verdict.reason}`);
      socket.end(`HTTP/1.1 ${verdict.ok ? 404 : verdict.status} Refused\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  ctx.logger.log('info', 'web mode listening', { port });

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function statusOf(err: ApiError): number {
  switch (err.code) {
    case 'bad_request':
    case 'unknown_method':
      return 400;
    case 'not_found':
      return 404;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'conflict':
      return 409;
    case 'unavailable':
      return 503;
    default:
      return 500;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error(`body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function redact(url: string | undefined): string {
  return (url ?? '').replace(/token=[^&]*/g, 'token=…');
}
