import { describe, expect, it } from 'vitest';
import type { TagEntry } from '../../../main/api/studies.js';
import { matchingRows, PER_FRAME_GROUPS, perFrameCount, tagRows } from './tag-tree.js';

const attr = (tag: string, name: string, value: string, items?: TagEntry[][]): TagEntry => ({ tag, vr: items ? 'SQ' : 'LO', name, value, ...(items ? { items } : {}) });
const TAGS: TagEntry[] = [
  attr('(0008,0060)', 'Modality', 'MR'),
  attr('(0008,1140)', 'ReferencedImageSequence', '<sequence, 2 items>', [[attr('(0008,1155)', 'ReferencedSOPInstanceUID', '1.2.3.4')], [attr('(0008,1155)', 'ReferencedSOPInstanceUID', '1.2.3.5')]]),
  attr(
    PER_FRAME_GROUPS,
    'PerFrameFunctionalGroupsSequence',
    '<sequence, 176 items>',
    Array.from({ length: 176 }, (_, i) => [attr('(0020,9111)', 'FrameContentSequence', '<sequence, 1 item>', [[attr('(0020,9057)', 'InStackPositionNumber', String(i + 1))]])]),
  ),
];
const keys = (rows: ReturnType<typeof tagRows>) => rows.map((r) => `${'  '.repeat(r.depth)}${r.kind === 'attribute' ? r.entry.tag : r.kind === 'item' ? `item ${r.index + 1}` : `frames ${r.frames}`}`);

describe('the tag tree rows', () => {
  it('start with every sequence closed', () => {
    expect(keys(tagRows(TAGS, new Set(), 1))).toEqual(['(0008,0060)', '(0008,1140)', PER_FRAME_GROUPS]);
  });

  it('open a sequence to its items (each open), and close an item', () => {
    expect(keys(tagRows(TAGS, new Set(['(0008,1140)']), 1))).toEqual(['(0008,0060)', '(0008,1140)', '  item 1', '    (0008,1155)', '  item 2', '    (0008,1155)', PER_FRAME_GROUPS]);
    expect(keys(tagRows(TAGS, new Set(['(0008,1140)', '(0008,1140)[0]']), 1))).toEqual(['(0008,0060)', '(0008,1140)', '  item 1', '  item 2', '    (0008,1155)', PER_FRAME_GROUPS]);
  });

  it('show one frame of the per-frame groups, chosen by the slider, not 176 blocks', () => {
    const open = new Set([PER_FRAME_GROUPS, `${PER_FRAME_GROUPS}[41].(0020,9111)`]);
    const rows = tagRows(TAGS, open, 42);
    expect(keys(rows)).toEqual(['(0008,0060)', '(0008,1140)', PER_FRAME_GROUPS, '  frames 176', '  (0020,9111)', '    item 1', '      (0020,9057)']);
    expect(rows.at(-1)).toMatchObject({ entry: { value: '42' } });
    expect(tagRows(TAGS, open, 999).filter((r) => r.kind === 'attribute').length).toBe(4); // clamped to the last frame
    expect(perFrameCount(TAGS)).toBe(176);
  });

  it('search nested attributes with their path; of the per-frame groups, the chosen frame only', () => {
    const found = matchingRows(TAGS, '1.2.3.5', 1);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: 'ReferencedImageSequence › item 2 › ', entry: { value: '1.2.3.5' } });
    const stack = matchingRows(TAGS, 'InStackPosition', 7);
    expect(stack.map((r) => r.kind === 'attribute' && r.entry.value)).toEqual(['7']);
    expect(stack[0]).toMatchObject({ path: 'PerFrameFunctionalGroupsSequence › frame 7 › FrameContentSequence › item 1 › ' });
  });
});
