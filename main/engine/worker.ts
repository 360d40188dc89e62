import { parentPort } from 'node:worker_threads';
import { AckedBatcher } from './acked-batcher.js';
import type { EngineStreamEvent } from './engine.js';
import { LocalEngine } from './local-engine.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

/**
 * The engine worker: one long-lived thread that owns the ONNX sessions and the KV cache. ONNX Runtime's `run` blocks the
 * thread it is called on (onnx-runtime.md §3.6), so it must never run on the main thread. Requests are served one at a
 * time, in order.
 */
const port = parentPort;
if (!port) throw new Error('engine worker must run in a worker thread');

let engine: LocalEngine | null = null;
let queue: Promise<void> = Promise.resolve();

function reply(msg: WorkerReply): void {
  port!.postMessage(msg);
}

function need(): LocalEngine {
  if (!engine) throw new Error('no model is loaded');
  return engine;
}

async function serve(req: WorkerRequest): Promise<void> {
  try {
    switch (req.op) {
      case 'open':
        engine = await LocalEngine.open(req.opts);
        return reply({ id: req.id, ok: true, value: engine.info });
      case 'prefill':
        return reply({ id: req.id, ok: true, value: await need().prefill(req.segments) });
      case 'append':
        return reply({ id: req.id, ok: true, value: await need().append(req.segments) });
      case 'rewrite':
        return reply({ id: req.id, ok: true, value: await need().rewrite(req.keep, req.pieces) });
      case 'truncate':
        return reply({ id: req.id, ok: true, value: await need().truncate(req.length) });
      case 'tokenize':
        return reply({ id: req.id, ok: true, value: await need().tokenize(req.text) });
      case 'generate': {
        const events = new AckedBatcher<EngineStreamEvent>((stream) => reply({ id: req.id, stream }), () => Atomics.load(req.delivered, 0));
        try {
          const result = await need().run(req.opts, (e) => events.push(e), () => Atomics.load(req.cancel, 0) === 1);
          events.push({ type: 'end', result });
        } finally {
          events.flush(); // tokens decoded before an error still arrive, ahead of it
        }
        return reply({ id: req.id, ok: true, value: null });
      }
      case 'close':
        await engine?.close();
        engine = null;
        return reply({ id: req.id, ok: true, value: null });
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply({ id: req.id, ok: false, error: { name: e.name, message: e.message } });
  }
}

port.on('message', (req: WorkerRequest) => {
  queue = queue.then(() => serve(req));
});
