import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'medrwr_token';
export const TOKEN_HEADER = 'x-medrwr-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Loopback web mode trusts a request only when it carries this launch's token (header, cookie, or the `token`
 * query of the first page load) and, when a browser says where it comes from, that origin is our own. The Host
 * check stops DNS-rebinding pages from reaching the server under another name.
 */
export function checkRequest(req: IncomingMessage, token: string, port: number): Verdict {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host ?? '';
  if (!allowedHosts.includes(host)) return { ok: false, status: 403, reason: `host "${host}" is not this server` };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedHosts.some((h) => origin === `http://${h}`)) {
    return { ok: false, status: 403, reason: `origin "${origin}" is not allowed` };
  }
  const presented = presentedToken(req);
  if (presented === undefined) return { ok: false, status: 401, reason: 'no token' };
  if (!sameSecret(presented, token)) return { ok: false, status: 401, reason: 'wrong token' };
  return { ok: true };
}

export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  if (query) return query;
  return parseCookies(req.headers.cookie)[TOKEN_COOKIE];
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
