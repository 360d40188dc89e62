import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { checkK } from './local-retriever.js';
import type { Passage, TextRetriever } from './retriever.js';

/** Med-RwR's retrieval server reply (retrieve/retrieve.py): one list of document strings per query. */
const QueriesReply = z.object({ queries: z.array(z.string()).optional(), answers: z.array(z.array(z.string())) });

export interface RemoteOptions {
  /** Per-request limit; a server that does not answer in time is reported as unavailable. Default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A TextRetriever backed by a server speaking Med-RwR's protocol: `POST {base}/queries` with `{queries, k}` →
 * `{queries, answers}`. Documents are strings, so a passage's id is its leading number where the corpus line has one
 * (the reference client strips `^\d+\s+`), else its URL and rank.
 */
export class RemoteTextRetriever implements TextRetriever {
  readonly description: TextRetriever['description'];
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(url: string, opts: RemoteOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ApiError('bad_request', `Remote retriever URL "${url}" is not a URL: give one like http://127.0.0.1:5000.`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ApiError('bad_request', `Remote retriever URL "${url}" must be http or https.`);
    this.endpoint = parsed.pathname.endsWith('/queries') ? parsed.href : new URL('queries', parsed.href.endsWith('/') ? parsed.href : parsed.href + '/').href;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.description = { id: this.endpoint, version: 'remote', kind: 'remote' };
  }

  async search(query: string, k: number, signal?: AbortSignal): Promise<Passage[]> {
    checkK(k);
    if (signal?.aborted) throw new ApiError('cancelled', 'The search was cancelled.');
    if (!query.trim()) return [];
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    let body: unknown;
    try {
      res = await fetch(this.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queries: [query], k }), signal: combined });
      body = await res.json().catch(() => undefined);
    } catch (err) {
      if (signal?.aborted) throw new ApiError('cancelled', 'The search was cancelled.');
      if (timeout.aborted) throw new ApiError('unavailable', `The remote retriever at ${this.endpoint} did not answer within ${this.timeoutMs / 1000} s: check that it is running, or choose a local knowledge base.`);
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiError('unavailable', `The remote retriever at ${this.endpoint} cannot be reached (${cause}): start it (Med-RwR: python retrieve/retrieve.py) or choose a local knowledge base.`);
    }
    if (!res.ok) throw new ApiError('unavailable', `The remote retriever at ${this.endpoint} answered HTTP ${res.status}: check its log.`);
    const parsed = QueriesReply.safeParse(body);
    if (!parsed.success || parsed.data.answers.length !== 1) throw new ApiError('unavailable', `The remote retriever at ${this.endpoint} answered with something other than {queries, answers}: is it a Med-RwR retrieval server?`);
    return parsed.data.answers[0]!.slice(0, k).map((doc, i) => {
      const m = /^(\d+)\s+([\s\S]*)$/.exec(doc);
      return { id: m ? m[1]! : `${this.endpoint}#${i + 1}`, text: m ? m[2]! : doc, source: this.endpoint, scores: {}, rank: i + 1 };
    });
  }
}
