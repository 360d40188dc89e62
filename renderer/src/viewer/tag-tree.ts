import type { TagEntry } from '../../../main/api/studies.js';

/**
 * The tag browser's rows from the tag tree: sequences open to their items, items to their attributes; the per-frame
 * functional groups show one frame's item at a time (chosen with a slider), not one block per frame.
 */
export const PER_FRAME_GROUPS = '(5200,9230)';

export type TagRow =
  | { kind: 'attribute'; key: string; depth: number; entry: TagEntry; open: boolean; path: string }
  | { kind: 'item'; key: string; depth: number; index: number; count: number; open: boolean }
  | { kind: 'frame'; key: string; depth: number; frames: number };

/** Which rows are open: a sequence starts closed, an item of an open sequence starts open. */
export type Toggled = ReadonlySet<string>;

/** The rows shown for `tags` with the given toggles; `frame` (1-based) picks the per-frame groups' item. */
export function tagRows(tags: readonly TagEntry[], toggled: Toggled, frame: number): TagRow[] {
  const rows: TagRow[] = [];
  const walk = (entries: readonly TagEntry[], depth: number, prefix: string) => {
    for (const entry of entries) {
      const key = prefix + entry.tag;
      const items = entry.items ?? [];
      const open = items.length > 0 && toggled.has(key);
      rows.push({ kind: 'attribute', key, depth, entry, open, path: '' });
      if (!open) continue;
      if (entry.tag === PER_FRAME_GROUPS) {
        const f = clampFrame(frame, items.length);
        rows.push({ kind: 'frame', key: `${key}#frame`, depth: depth + 1, frames: items.length });
        walk(items[f - 1]!, depth + 1, `${key}[${f - 1}].`);
        continue;
      }
      items.forEach((item, index) => {
        const itemKey = `${key}[${index}]`;
        const itemOpen = !toggled.has(itemKey);
        rows.push({ kind: 'item', key: itemKey, depth: depth + 1, index, count: items.length, open: itemOpen });
        if (itemOpen) walk(item, depth + 2, `${itemKey}.`);
      });
    }
  };
  walk(tags, 0, '');
  return rows;
}

/**
 * A search: every attribute whose tag, keyword or value contains the text, nested ones included (of the per-frame
 * groups, the chosen frame's only), each with the path of sequences and items it sits in.
 */
export function matchingRows(tags: readonly TagEntry[], text: string, frame: number): TagRow[] {
  const q = text.trim().toLowerCase();
  const rows: TagRow[] = [];
  const walk = (entries: readonly TagEntry[], prefix: string, path: string) => {
    for (const entry of entries) {
      const key = prefix + entry.tag;
      if (entry.tag.toLowerCase().includes(q) || entry.name.toLowerCase().includes(q) || entry.value.toLowerCase().includes(q)) {
        rows.push({ kind: 'attribute', key, depth: 0, entry, open: false, path });
      }
      const items = entry.items ?? [];
      const label = entry.name || entry.tag;
      if (entry.tag === PER_FRAME_GROUPS && items.length > 0) {
        const f = clampFrame(frame, items.length);
        walk(items[f - 1]!, `${key}[${f - 1}].`, `${path}${label} › frame ${f} › `);
      } else {
        items.forEach((item, i) => walk(item, `${key}[${i}].`, `${path}${label} › item ${i + 1} › `));
      }
    }
  };
  walk(tags, '', '');
  return rows;
}

/** The number of frames the per-frame groups hold (0 when there are none). */
export function perFrameCount(tags: readonly TagEntry[]): number {
  return tags.find((t) => t.tag === PER_FRAME_GROUPS)?.items?.length ?? 0;
}

function clampFrame(frame: number, frames: number): number {
  return Math.min(Math.max(1, Math.round(frame) || 1), frames);
}
