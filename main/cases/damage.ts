import type { z } from 'zod';
import { AppEvent, DAMAGED_RAW_MAX } from '../api/events.js';

/** A stored value read back: the value, or why it cannot be (the raw text is kept by the caller). */
export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

/** JSON text checked against a schema; a reason a person can act on instead of a throw or a zod dump. */
export function readJson<T>(raw: string | null, schema: z.ZodType<T>): Read<T> {
  if (raw === null) return { ok: false, reason: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: zodReason(parsed.error) };
}

/** One stored row of a run's event log, read as its event, or as a `damaged` event at the same place. */
export function readEventRow(runId: string, row: { seq: number; at: number; body: string }): AppEvent {
  const reason = eventDamage(row.body);
  if (reason === null) return AppEvent.parse(JSON.parse(row.body));
  return { type: 'damaged', taskId: runId, seq: row.seq, at: row.at, reason, raw: truncate(row.body) };
}

/** Why a stored event body cannot be read, or null when it can. An unknown type is named; a known one is checked
 * against its own schema, so the reason names the field (a zod union would only say that nothing matched). */
export function eventDamage(body: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') return 'not an event (no type)';
  const schema = AppEvent.options.find((o) => knownTypes(o).includes(type));
  if (!schema) return `unknown event type "${type}"`;
  const parsed = schema.safeParse(json);
  return parsed.success ? null : `a "${type}" event with ${zodReason(parsed.error)}`;
}

export function truncate(raw: string): string {
  return raw.length > DAMAGED_RAW_MAX ? `${raw.slice(0, DAMAGED_RAW_MAX)}… (${raw.length} characters)` : raw;
}

function knownTypes(schema: (typeof AppEvent.options)[number]): string[] {
  if ('options' in schema) return schema.options.map((o) => o.shape.type.value);
  return [schema.shape.type.value];
}

function zodReason(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'does not match the expected shape';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${first.path.length ? first.path.join('.') : 'value'}: ${first.message}${more}`;
}
