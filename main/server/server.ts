import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import { checkRequest, newToken, TOKEN_COOKIE } from './auth.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import { INSTANCE_FILES_PREFIX, sendInstanceFile } from './instance-files.js';
import { ownPath, parseTarget, percentDecode } from './request-target.js';
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
const TOO_LARGE = `Request body over ${MAX_BODY / 1024 / 1024} MB; upload fewer files at once.`;

/** Web mode: the contract over HTTP (requests) and WebSocket (events), bound to 127.0.0.1 only. */
export async function startServer(ctx: AppContext, opts: ServeOptions): Promise<RunningServer> {
  const token = newToken();
  let port = opts.port;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      ctx.logger.log('error', 'request failed', { url: redact(req.url), error: String(err) });
      if (!res.headersSent) sendJson(res, 500, new ApiError('internal', 'Internal server error').toBody());
      else res.destroy();
    });
  };
  const http = createServer(onRequest);
  // `Expect: 100-continue` (curl's large uploads): refuse an oversized body before the client sends it.
  http.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!declaredTooLarge(req)) res.writeContinue();
    onRequest(req, res);
  });
  // The events socket only speaks to the page; what a client sends is never read, so a frame may be small.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  const unsubscribe = ctx.events.subscribe((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) ws.send(text);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url);
    if (!url) return refuse(res, req, 400, 'the request target is not a path on this server');
    const verdict = checkRequest(req, url, token, port);
    if (!verdict.ok) return refuse(res, req, verdict.status, verdict.reason);
    if (url.searchParams.has('token')) {
      // First load: keep the token in an HttpOnly cookie rather than in history and the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, {
        'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: ownPath(url),
      });
      res.end();
      return;
    }
    const path = percentDecode(url.pathname);
    if (path === undefined) return sendJson(res, 400, new ApiError('bad_request', `Malformed percent-encoding in the path ${url.pathname}.`).toBody());
    if (path.startsWith(INSTANCE_FILES_PREFIX)) return sendInstanceFile(ctx, req, res, path.slice(INSTANCE_FILES_PREFIX.length));
    if (path.startsWith('/api/call/')) {
      if (req.method !== 'POST') return sendJson(res, 405, new ApiError('bad_request', 'Use POST for API calls.').toBody());
      const name = path.slice('/api/call/'.length);
      if (declaredTooLarge(req)) return sendJson(res, 413, new ApiError('bad_request', TOO_LARGE).toBody());
      let params: unknown;
      try {
        params = JSON.parse((await readBody(req)) || '{}');
      } catch (err) {
        if (err instanceof BodyTooLarge) return sendJson(res, 413, new ApiError('bad_request', TOO_LARGE).toBody());
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
    const file = await readStatic(opts.rendererDir, path);
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

  function refuse(res: ServerResponse, req: IncomingMessage, status: 400 | 401 | 403, reason: string): void {
    ctx.logger.log('warn', `refused ${req.method} ${redact(req.url)}: ${reason}`, { status, origin: req.headers.origin });
    const code = status === 400 ? 'bad_request' : status === 401 ? 'unauthorized' : 'forbidden';
    sendJson(res, status, new ApiError(code, `Refused: ${reason}.`).toBody());
  }

  // An upgrade is outside any request handler: whatever it throws would end the process, so nothing may escape.
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuseUpgrade = (status: number, reason: string) => {
      ctx.logger.log('warn', `refused websocket ${redact(req.url)}: ${reason}`, { status, origin: req.headers.origin });
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      const url = parseTarget(req.url);
      if (!url) return refuseUpgrade(400, 'the request target is not a path on this server');
      const verdict = checkRequest(req, url, token, port);
      if (!verdict.ok) return refuseUpgrade(verdict.status, verdict.reason);
      if (url.pathname !== '/api/events') return refuseUpgrade(404, 'unknown path');
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
        // A malformed or oversized frame is an 'error' on this socket: without a listener it would end the process.
        ws.on('error', (err) => {
          ctx.logger.log('warn', `closed events socket: ${err.message}`);
          ws.terminate();
        });
      });
    } catch (err) {
      ctx.logger.log('error', 'websocket upgrade failed', { url: redact(req.url), error: String(err) });
      socket.destroy();
    }
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
    case 'integrity':
      return 503;
    default:
      return 500;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

class BodyTooLarge extends Error {}

function declaredTooLarge(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > MAX_BODY;
}

/**
 * Past the limit the rest of the body is read and dropped rather than the socket destroyed: a reset would reach the
 * client before our 413 does. Node's request timeout bounds how long an endless body can be drained.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        chunks.length = 0;
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function redact(url: string | undefined): string {
  return (url ?? '').replace(/token=[^&]*/g, 'token=…');
}
