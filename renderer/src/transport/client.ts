import { z } from 'zod';
import { AppEvent, ApiError, ApiErrorBody, methods, type MethodName, type Params, type Result } from '../../../main/api/index.js';
import './bridge.js';

export interface Client {
  readonly transport: 'electron' | 'web';
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  onEvent(listener: (event: AppEvent) => void): () => void;
}

const IpcReply = z.union([z.object({ ok: z.literal(true), result: z.unknown() }), z.object({ ok: z.literal(false), error: ApiErrorBody })]);

/** One client for both transports: Electron's bridge when present, else HTTP + WebSocket to the loopback server. */
export function createClient(): Client {
  return window.medrwr ? electronClient(window.medrwr) : webClient();
}

function checkResult<M extends MethodName>(method: M, raw: unknown): Result<M> {
  const parsed = methods[method].result.safeParse(raw);
  if (!parsed.success) throw new ApiError('internal', `The app answered ${method} with data that breaks the contract: ${parsed.error.message}`);
  return parsed.data as Result<M>;
}

function electronClient(bridge: NonNullable<Window['medrwr']>): Client {
  const listeners = new Set<(e: AppEvent) => void>();
  bridge.onEvent((raw) => {
    const parsed = AppEvent.safeParse(raw);
    if (parsed.success) for (const l of listeners) l(parsed.data);
  });
  return {
    transport: 'electron',
    async call(method, params) {
      const reply = IpcReply.parse(await bridge.call(method, params));
      if (!reply.ok) throw ApiError.fromBody(reply.error);
      return checkResult(method, reply.result);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function webClient(): Client {
  const listeners = new Set<(e: AppEvent) => void>();
  let socket: WebSocket | undefined;
  const connect = () => {
    const url = new URL('api/events', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.onmessage = (msg) => {
      const parsed = AppEvent.safeParse(JSON.parse(String(msg.data)));
      if (parsed.success) for (const l of listeners) l(parsed.data);
    };
    // The server may restart (it does in tests); reconnect quietly.
    socket.onclose = () => setTimeout(connect, 1000);
  };
  connect();
  return {
    transport: 'web',
    async call(method, params) {
      const res = await fetch(new URL(`api/call/${method}`, window.location.href), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params ?? {}),
        credentials: 'same-origin',
      });
      const body: unknown = await res.json();
      if (!res.ok) throw ApiError.fromBody(ApiErrorBody.parse(body));
      return checkResult(method, (body as { result: unknown }).result);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
