import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { PacsNodeInput, type PacsNode } from '../api/pacs.js';

/** Nodes live in `<dataDir>/pacs-nodes.json` (mode 0600: it holds the secrets), beside settings.json. */
export const PACS_NODES_FILE = 'pacs-nodes.json';

const StoredAuth = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('basic'), username: z.string(), password: z.string() }),
  z.object({ kind: z.literal('bearer'), token: z.string() }),
]);
export const StoredNode = z.object({ id: z.string(), name: z.string(), url: z.string(), auth: StoredAuth, timeoutMs: z.number().int() });
export type StoredNode = z.infer<typeof StoredNode>;
const StoredFile = z.object({ nodes: z.array(StoredNode) });

export function readNodes(dataDir: string): StoredNode[] {
  const path = join(dataDir, PACS_NODES_FILE);
  if (!existsSync(path)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ApiError('unavailable', `The PACS nodes file ${path} is not valid JSON (${(err as Error).message}). Fix it or delete it to configure the nodes again.`);
  }
  const parsed = StoredFile.safeParse(raw);
  if (!parsed.success) throw new ApiError('unavailable', `The PACS nodes file ${path} holds invalid entries (${parsed.error.issues[0]?.message}). Fix it or delete it to configure the nodes again.`);
  return parsed.data.nodes;
}

export function findNode(dataDir: string, id: string): StoredNode {
  const node = readNodes(dataDir).find((n) => n.id === id);
  if (!node) throw new ApiError('not_found', `No PACS node ${id}: configure it first (pacs.saveNode).`);
  return node;
}

/** Adds or replaces a node; a change that leaves a secret out keeps the stored one (the renderer never sees it). */
export function saveNode(dataDir: string, input: unknown): PacsNode {
  const p = PacsNodeInput.safeParse(input);
  if (!p.success) throw new ApiError('bad_request', `PACS node refused: ${p.error.issues.map((i) => `${i.path.join('.') || 'node'}: ${i.message}`).join('; ')}.`);
  const nodes = readNodes(dataDir);
  const old = p.data.id === undefined ? undefined : nodes.find((n) => n.id === p.data.id);
  if (p.data.id !== undefined && !old) throw new ApiError('not_found', `No PACS node ${p.data.id} to change.`);
  const a = p.data.auth;
  let auth: StoredNode['auth'];
  if (a.kind === 'basic') {
    const password = a.password ?? (old?.auth.kind === 'basic' ? old.auth.password : undefined);
    if (password === undefined) throw new ApiError('bad_request', 'PACS node refused: basic authentication needs a password.');
    auth = { kind: 'basic', username: a.username, password };
  } else if (a.kind === 'bearer') {
    const token = a.token ?? (old?.auth.kind === 'bearer' ? old.auth.token : undefined);
    if (!token) throw new ApiError('bad_request', 'PACS node refused: bearer authentication needs a token.');
    auth = { kind: 'bearer', token };
  } else auth = { kind: 'none' };
  const node: StoredNode = { id: old?.id ?? `pacs-${randomUUID()}`, name: p.data.name, url: p.data.url, auth, timeoutMs: p.data.timeoutMs };
  write(dataDir, old ? nodes.map((n) => (n.id === node.id ? node : n)) : [...nodes, node]);
  return publicNode(node);
}

export function deleteNode(dataDir: string, id: string): boolean {
  const nodes = readNodes(dataDir);
  const rest = nodes.filter((n) => n.id !== id);
  if (rest.length === nodes.length) return false;
  write(dataDir, rest);
  return true;
}

/** What the renderer may see of a node: everything but the secret. */
export function publicNode(n: StoredNode): PacsNode {
  const auth: PacsNode['auth'] =
    n.auth.kind === 'basic' ? { kind: 'basic', username: n.auth.username, hasSecret: n.auth.password.length > 0 } : n.auth.kind === 'bearer' ? { kind: 'bearer', hasSecret: true } : { kind: 'none' };
  return { id: n.id, name: n.name, url: n.url, auth, timeoutMs: n.timeoutMs };
}

function write(dataDir: string, nodes: StoredNode[]): void {
  const path = join(dataDir, PACS_NODES_FILE);
  writeFileSync(path + '.tmp', JSON.stringify({ nodes }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path + '.tmp', 0o600);
  renameSync(path + '.tmp', path);
}
