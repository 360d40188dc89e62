import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { cookieValues } from './request-target.js';

export const TOKEN_COOKIE = 'medrwr_token';
export const TOKEN_HEADER = 'x-medrwr-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Loopback web mode trusts a request only when it carries this launch's token (header, cookie, or the `token`
 * query of the first page load) and, when a browser says where it comes from, that origin is our own. The Host
 * check stops DNS-rebinding pages from reaching the server under another name. `target` is the request's parsed
 * target (request-target.ts); a request whose target does not parse never gets here.
 */
export function checkRequest(req: IncomingMessage, target: URL, token: string, port: number): Verdict {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host ?? '';
  if (!allowedHosts.includes(host)) return { ok: false, status: 403, reason: `host "${host}" is not this server` };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedHosts.some((h) => origin === `http://${h}`)) {
    return { ok: false, status: 403, reason: `origin "${origin}" is not allowed` };
  }
  const presented = presentedTokens(req, target);
  if (presented.length === 0) return { ok: false, status: 401, reason: 'no token' };
  if (!presented.some((p) => sameSecret(p, token))) return { ok: false, status: 401, reason: 'wrong token' };
  return { ok: true };
}

/**
 * Every token the request presents. Cookies on 127.0.0.1 are shared by all ports, so another local app's cookies
 * (`zoom=100%`, malformed or not) arrive too and are ignored, and a stale token cookie beside ours does not shadow it.
 */
function presentedTokens(req: IncomingMessage, target: URL): string[] {
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string') return [header];
  const query = target.searchParams.get('token');
  if (query) return [query];
  return cookieValues(req.headers.cookie, TOKEN_COOKIE);
}

function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
