import { ApiError } from '../api/errors.js';
import type { StoredNode } from './nodes.js';

/** What went wrong talking to a node, so each case gets its own message (and tests can tell them apart). */
export type PacsFailure = 'refused' | 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'not_found' | 'server_error' | 'http_error' | 'malformed' | 'cancelled';

export class PacsError extends ApiError {
  constructor(
    readonly failure: PacsFailure,
    message: string,
  ) {
    super(failure === 'unauthorized' ? 'unauthorized' : failure === 'forbidden' ? 'forbidden' : failure === 'not_found' ? 'not_found' : failure === 'cancelled' ? 'cancelled' : 'unavailable', message, { failure });
  }
}

export interface PacsResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export function pacsGet(node: StoredNode, path: string, accept: string, signal?: AbortSignal): Promise<PacsResponse> {
  return pacsRequest(node, 'GET', path, accept, undefined, signal);
}

/**
 * One request to a configured node: its base URL joined with `path`, its credentials, its timeout. Only configured
 * nodes are ever contacted (the network rule); the caller's `signal` cancels. Non-2xx answers become PacsErrors.
 * The timeout is for silence, not for the whole transfer: each chunk that arrives restarts it, so a long series
 * streams on while a stalled server is given up on. With `stream`, a 2xx body goes chunk by chunk to the sink it
 * makes from the reply headers, and `body` comes back empty.
 */
export async function pacsRequest(
  node: StoredNode,
  method: 'GET' | 'POST',
  path: string,
  accept: string,
  body?: { contentType: string; bytes: Buffer },
  signal?: AbortSignal,
  stream?: (headers: Headers) => (chunk: Buffer) => Promise<void>,
): Promise<PacsResponse> {
  const url = node.url + path;
  const headers: Record<string, string> = { accept };
  if (body) headers['content-type'] = body.contentType;
  if (node.auth.kind === 'basic') headers.authorization = 'Basic ' + Buffer.from(`${node.auth.username}:${node.auth.password}`).toString('base64');
  if (node.auth.kind === 'bearer') headers.authorization = `Bearer ${node.auth.token}`;
  const silence = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => silence.abort(), node.timeoutMs);
  };
  const both = signal ? AbortSignal.any([signal, silence.signal]) : silence.signal;
  const where = `The PACS node "${node.name}" (${node.url})`;
  let res: Response;
  const chunks: Buffer[] = [];
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    touch();
    res = await fetch(url, { method, headers, body: body ? new Uint8Array(body.bytes) : undefined, signal: both, redirect: 'error' });
    const sink = res.ok && stream ? stream(res.headers) : undefined;
    reader = res.body?.getReader();
    for (let r = await reader?.read(); reader && r && !r.done; r = await reader.read()) {
      touch();
      const b = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      if (sink) await sink(b);
      else chunks.push(b);
    }
  } catch (err) {
    reader?.cancel().catch(() => undefined); // a sink that refused a part ends the transfer
    if (err instanceof PacsError) throw err; // from the sink
    if (signal?.aborted) throw new PacsError('cancelled', 'Cancelled.');
    if (silence.signal.aborted) throw new PacsError('timeout', `${where} did not answer within ${node.timeoutMs / 1000} s. It may be overloaded or the network slow; try again or raise the node's timeout.`);
    const code = errCode(err);
    if (code === 'ECONNREFUSED') throw new PacsError('refused', `${where} refused the connection: nothing is listening at ${new URL(node.url).host}. Check the URL and that the archive is running.`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new PacsError('unreachable', `${where} could not be found: the host name ${new URL(node.url).hostname} does not resolve.`);
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') throw new PacsError('unreachable', `${where} closed the connection before answering.`);
    throw new PacsError('unreachable', `${where} could not be reached (${code ?? (err as Error).message}).`);
  } finally {
    clearTimeout(timer);
  }
  const reply = Buffer.concat(chunks);
  if (res.ok) return { status: res.status, headers: res.headers, body: reply };
  const snippet = reply.toString('utf8', 0, Math.min(reply.length, 200)).replace(/\s+/g, ' ').trim();
  const said = snippet ? `: "${snippet}"` : '';
  if (res.status === 401) throw new PacsError('unauthorized', `${where} refused our credentials (HTTP 401). Check the node's user name and password or token.`);
  if (res.status === 403) throw new PacsError('forbidden', `${where} does not allow this (HTTP 403)${said}.`);
  if (res.status === 404) throw new PacsError('not_found', `${where} has nothing at ${path.split('?')[0]} (HTTP 404). Check that the base URL ends with the DICOMweb root, e.g. /dicom-web.`);
  if (res.status >= 500) throw new PacsError('server_error', `${where} failed with a server error (HTTP ${res.status})${said}. The archive itself has a problem; try again later or ask its administrator.`);
  throw new PacsError('http_error', `${where} answered HTTP ${res.status}${said}.`);
}

function errCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
