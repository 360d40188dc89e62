import type { AppContext } from './context.js';

/**
 * The lifecycle of the services the composition root (`compose.ts`) declares. Each is a typed, lazily built slot:
 * it is built on first use (after the slots it uses, which its builder reads first) and closed in the reverse of the
 * order the root declares them in, which is their dependency order. Shutdown refuses new work, drains the services
 * that own work in flight (runs, imports, PACS retrieves: runs are stopped and recorded as interrupted), then closes
 * the rest, so nothing a live run uses is closed under it.
 */
export class Lifecycle {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private closed: Promise<void> | null = null;

  get closing(): boolean {
    return this.stopping;
  }

  /** Declares a service; declare a service after every service it uses. */
  slot<T>(build: () => T, close?: (value: T) => unknown, opts: { drain?: boolean } = {}): () => T {
    const slot: Slot<T> = { built: false, value: undefined, close, drain: opts.drain ?? false };
    this.slots.push(slot as Slot);
    return () => {
      if (this.stopping) throw new ShuttingDown();
      if (!slot.built) {
        slot.value = build();
        slot.built = true;
      }
      return slot.value as T;
    };
  }

  /** Ordered teardown: refuse new work, drain work in flight, then close the rest in reverse declaration order. */
  close(): Promise<void> {
    this.stopping = true;
    return (this.closed ??= this.closeAll());
  }

  private async closeAll(): Promise<void> {
    const built = this.slots.filter((s) => s.built).reverse();
    for (const s of built.filter((x) => x.drain)) await s.close?.(s.value);
    for (const s of built.filter((x) => !x.drain)) await s.close?.(s.value);
  }
}

/** An object whose fields read the given slots (a slot is built when its field is first read). */
export function getters<G extends Record<string, () => unknown>>(slots: G): { readonly [K in keyof G]: ReturnType<G[K]> } {
  const fields = {};
  for (const [name, get] of Object.entries(slots)) Object.defineProperty(fields, name, { get, enumerable: true });
  return fields as { readonly [K in keyof G]: ReturnType<G[K]> };
}

interface Slot<T = unknown> {
  built: boolean;
  value: T | undefined;
  readonly close?: (value: T) => unknown;
  /** Owns work in flight: drained before anything else closes. */
  readonly drain: boolean;
}

/** Thrown for a call that arrives while the app shuts down (the transports answer it as `unavailable`). */
export class ShuttingDown extends Error {
  constructor() {
    super('The workstation is shutting down.');
  }
}

export function isShuttingDown(ctx: AppContext): boolean {
  return ctx.services.closing;
}

/** The ordered teardown of one app (Ctrl-C of `medrwr serve`, Electron's quit, the end of a CLI command or test). */
export function closeServices(ctx: AppContext): Promise<void> {
  return ctx.services.close();
}
