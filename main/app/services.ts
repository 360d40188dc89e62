import type { AppContext } from './context.js';

/**
 * Long-lived services (the app database, the engine worker, open knowledge bases) are created on first use and
 * shared by every request of one AppContext; `closeServices` releases them in reverse order on shutdown.
 */
const registries = new WeakMap<AppContext, Map<string, { value: unknown; close?: () => unknown }>>();

export function service<T>(ctx: AppContext, name: string, create: () => T, close?: (value: T) => unknown): T {
  let reg = registries.get(ctx);
  if (!reg) registries.set(ctx, (reg = new Map()));
  const existing = reg.get(name);
  if (existing) return existing.value as T;
  const value = create();
  reg.set(name, { value, close: close ? () => close(value) : undefined });
  return value;
}

export async function closeServices(ctx: AppContext): Promise<void> {
  const reg = registries.get(ctx);
  if (!reg) return;
  registries.delete(ctx);
  for (const { close } of [...reg.values()].reverse()) await close?.();
}
