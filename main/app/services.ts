import type { AppContext } from './context.js';

/**
 * Long-lived services (the app database, the engine worker, open knowledge bases, the run service) are created on
 * first use and shared by every request of one AppContext. Shutdown is ordered (`shutdownApp`): first the services
 * that own work in flight are drained (runs are stopped and recorded as interrupted), then the rest close in reverse
 * order of creation, so nothing a live run uses is closed under it.
 */
interface Entry {
  readonly value: unknown;
  readonly close?: () => unknown;
  /** Owns work in flight (runs): drained before anything else closes. */
  readonly drain: boolean;
}

const registries = new WeakMap<AppContext, Map<string, Entry>>();
const closing = new WeakSet<AppContext>();

export function service<T>(ctx: AppContext, name: string, create: () => T, close?: (value: T) => unknown, opts: { drain?: boolean } = {}): T {
  if (closing.has(ctx)) throw new ShuttingDown();
  let reg = registries.get(ctx);
  if (!reg) registries.set(ctx, (reg = new Map()));
  const existing = reg.get(name);
  if (existing) return existing.value as T;
  const value = create();
  reg.set(name, { value, close: close ? () => close(value) : undefined, drain: opts.drain ?? false });
  return value;
}

/** Thrown for a call that arrives while the app shuts down (the transports answer it as `unavailable`). */
export class ShuttingDown extends Error {
  constructor() {
    super('The workstation is shutting down.');
  }
}

export function isShuttingDown(ctx: AppContext): boolean {
  return closing.has(ctx);
}

/** Ordered teardown: refuse new work, drain work in flight, then close the rest in reverse order of creation. */
export async function closeServices(ctx: AppContext): Promise<void> {
  closing.add(ctx);
  const reg = registries.get(ctx);
  if (!reg) return;
  const entries = [...reg.values()].reverse();
  for (const e of entries.filter((x) => x.drain)) await e.close?.();
  for (const e of entries.filter((x) => !x.drain)) await e.close?.();
  registries.delete(ctx);
}
