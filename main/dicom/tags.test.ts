import { describe, expect, it } from 'vitest';
import type { TagEntry } from '../api/studies.js';
import { writePart10 } from './dcmjs.js';
import { parseDicom } from './parse.js';
import { listTags } from './tags.js';
import { element, preambleAndMeta } from './testing/write.js';

const byTag = (tags: readonly TagEntry[], tag: string) => tags.find((t) => t.tag === tag);
const allTags = (tags: readonly TagEntry[]): string[] => tags.flatMap((t) => [t.tag, ...(t.items ?? []).flatMap((item) => allTags(item))]);

/** An item or delimiter header: (FFFE,xxxx) and a 32-bit length. */
function itemHeader(elementNumber: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(elementNumber, 2);
  b.writeUInt32LE(length, 4);
  return b;
}

describe('the tag tree', () => {
  it('nests sequence items under their sequence and lists no item or sequence delimiters', () => {
    const UNDEFINED = 0xffffffff;
    const item = (uid: string) => Buffer.concat([itemHeader(0xe000, UNDEFINED), element([0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2']), element([0x00081155, 'UI', uid]), itemHeader(0xe00d, 0)]);
    const sequence = element([0x00081140, 'SQ', Buffer.concat([item('1.2.3.4'), item('1.2.3.5'), itemHeader(0xe0dd, 0)])], UNDEFINED);
    const file = Buffer.concat([preambleAndMeta('1.2.840.10008.1.2.1', '1.2.3.9'), element([0x00080018, 'UI', '1.2.3.9']), sequence, element([0x00100010, 'PN', 'Doe^Jane'])]);
    const tags = listTags(parseDicom(new Uint8Array(file)));
    const refs = byTag(tags, '(0008,1140)')!;
    expect(refs).toMatchObject({ vr: 'SQ', name: 'ReferencedImageSequence', value: '<sequence, 2 items>' });
    expect(refs.items!.map((i) => byTag(i, '(0008,1155)')!.value)).toEqual(['1.2.3.4', '1.2.3.5']);
    expect(refs.items![0]!.map((t) => t.tag)).toEqual(['(0008,1150)', '(0008,1155)']);
    expect(allTags(tags).filter((t) => t.startsWith('(FFFE'))).toEqual([]);
    expect(byTag(tags, '(0010,0010)')!.value).toBe('Doe^Jane'); // the attributes after the sequence are still read
  });

  it('keeps the per-frame functional groups one item per frame (the browser shows one frame at a time)', () => {
    const frames = 176;
    const file = writePart10({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.4.1',
      SOPInstanceUID: '2.25.77',
      NumberOfFrames: frames,
      SharedFunctionalGroupsSequence: [{ PixelMeasuresSequence: [{ PixelSpacing: [0.5, 0.5], SliceThickness: 1.2 }] }],
      PerFrameFunctionalGroupsSequence: Array.from({ length: frames }, (_, i) => ({
        FrameContentSequence: [{ InStackPositionNumber: i + 1 }],
        PlanePositionSequence: [{ ImagePositionPatient: [0, 0, i * 1.2] }],
      })),
    });
    const tags = listTags(parseDicom(new Uint8Array(file)));
    const perFrame = byTag(tags, '(5200,9230)')!;
    expect(perFrame.value).toBe(`<sequence, ${frames} items>`);
    expect(perFrame.items).toHaveLength(frames);
    const frame = (n: number) => perFrame.items![n - 1]!;
    expect(byTag(byTag(frame(176), '(0020,9111)')!.items![0]!, '(0020,9057)')!.value).toBe('176');
    expect(byTag(byTag(frame(2), '(0020,9113)')!.items![0]!, '(0020,0032)')!.value).toBe('0\\0\\1.2');
    expect(byTag(byTag(byTag(tags, '(5200,9229)')!.items![0]!, '(0028,9110)')!.items![0]!, '(0028,0030)')!.value).toBe('0.5\\0.5');
  });
});
