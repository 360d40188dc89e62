import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyImage } from '../../api/cases.js';
import type { AppEvent } from '../../api/events.js';
import type { Provenance } from '../../api/run-events.js';
import { composeApp } from '../../app/compose.js';
import type { AppContext } from '../../app/context.js';
import { EventBus } from '../../app/event-bus.js';
import { fileLogger } from '../../app/log.js';
import { thumbnailDataUrl } from '../../imaging/thumbnail.js';

export function tempDataDir(label = 'cases'): string {
  return mkdtempSync(join(tmpdir(), `medrwr-${label}-`));
}

export function testContext(dataDir = tempDataDir()): AppContext {
  return composeApp({ dataDir, transport: 'web', demo: true, events: new EventBus(), logger: fileLogger(dataDir, false) });
}

export const KEY_IMAGE: KeyImage = { sopInstanceUid: '1.2.840.113619.2.55.3.1', frame: 0, window: { center: 40, width: 400 }, invert: false, label: 'CT image 1' };

export const PROVENANCE: Provenance = {
  model: { id: 'medrwr-tiny', version: '1.0.0', sha256: 'ab'.repeat(32), synthetic: true },
  kb: { id: 'demo-kb', version: '1', kind: 'local' },
  imageLibrary: { id: 'demo-images', version: '1' },
  executionProvider: 'cpu',
  params: { rounds: 3, k: 3, cdirThreshold: 0.8 },
  startedAt: '2026-11-25T09:00:00.000Z',
};

/** A complete run's events as the reasoning would emit them (before numbering), CDIR included. */
export function completeRunDrafts(): Record<string, unknown>[] {
  return [
    { type: 'run', provenance: PROVENANCE },
    ...['<think>', ' The', ' lesion', ' is', ' hypodense', '.', ' <query>'].map((text, i) => ({ type: 'token', round: 0, text, tokenId: i, logprob: -0.1 })),
    { type: 'query', round: 0, query: 'hypodense liver lesion' },
    {
      type: 'evidence',
      round: 0,
      query: 'hypodense liver lesion',
      passages: [1, 2, 3].map((rank) => ({ id: `p${rank}`, rank, title: `Passage ${rank}`, source: 'demo-kb', text: `Cysts are hypodense (${rank}).`, scores: { dense: 0.9 / rank, bm25: 3 / rank, fused: 0.03 / rank } })),
    },
    ...[' <answer>', ' B', ' </answer>'].map((text, i) => ({ type: 'token', round: 1, text, tokenId: 100 + i, logprob: -0.5 })),
    { type: 'answer', phase: 'initial', letter: 'B', text: 'B', confidence: 0.55, distribution: { A: 0.3, B: 0.55, C: 0.15 } },
    { type: 'cdir', stage: 'triggered', before: 0.55, threshold: 0.8, similar: { id: 'img7', caption: 'Simple hepatic cyst', score: 0.91, thumbnail: thumbnailDataUrl({ width: 4, height: 4, data: new Uint8Array(48).fill(128) }) } },
    { type: 'answer', phase: 'cdir', letter: 'A', text: 'A', confidence: 0.86, distribution: { A: 0.86, B: 0.1, C: 0.04 } },
    { type: 'cdir', stage: 'resolved', before: 0.55, after: 0.86, letterBefore: 'B', letterAfter: 'A', changed: true },
    { type: 'summary', timings: { totalMs: 1200, firstTokenMs: 80, prefillMs: 300, decodeMs: 800, retrievalMs: 40, generatedTokens: 10, rounds: 2 }, finalLetter: 'A', finalConfidence: 0.86 },
  ];
}

/** Numbers drafts the way the event bus does. */
export function numbered(runId: string, drafts: Record<string, unknown>[], from = 0): AppEvent[] {
  return drafts.map((d, i) => ({ ...d, taskId: runId, seq: from + i, at: 1_700_000_000_000 + i }) as AppEvent);
}
