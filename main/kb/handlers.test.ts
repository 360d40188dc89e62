import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { buildKnowledgeBase } from './build.js';
import { tempDir, TEXT_ENCODER } from './testing/fixtures.js';

let ctx: AppContext;
let dir: string;

beforeAll(async () => {
  const tmp = tempDir();
  writeFileSync(join(tmp, 'k.jsonl'), [{ id: 'p1', title: 'Pneumothorax', text: 'Air in the pleural space collapsing the lung.', source: 'notes' }, { id: 'p2', title: 'Cirrhosis', text: 'Scarring of the liver.', source: 'notes' }].map((r) => JSON.stringify(r)).join('\n'));
  dir = (await buildKnowledgeBase({ sources: [join(tmp, 'k.jsonl')], encoderDir: TEXT_ENCODER, out: join(tmp, 'kb'), id: 'notes-kb', stderr: null })).dir;
  ctx = createAppContext({ dataDir: tempDir('medrwr-data-'), transport: 'web' });
});
afterAll(() => closeServices(ctx));

it('kb.info and kb.search answer through the contract', async () => {
  expect(await dispatch(ctx, 'kb.info', { dir })).toMatchObject({ id: 'notes-kb', counts: { passages: 2, sources: { notes: 2 } }, images: null });
  const res = (await dispatch(ctx, 'kb.search', { dir, query: 'liver scarring', k: 1 })) as { passages: { id: string; rank: number }[] };
  expect(res.passages).toEqual([expect.objectContaining({ id: 'p2', rank: 1 })]);
});

it('a missing knowledge base or bad params come back as specific errors', async () => {
  const missing = await dispatch(ctx, 'kb.info', { dir: join(dir, 'nope') }).catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(ApiError);
  expect((missing as ApiError).message).toMatch(/No knowledge base at .*nope/);
  const bad = await dispatch(ctx, 'kb.search', { dir, query: 'x', k: 0 }).catch((e: unknown) => e);
  expect((bad as ApiError).code).toBe('bad_request');
  expect((bad as ApiError).message).toMatch(/k must be 1 to 50/);
});
