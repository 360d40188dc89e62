import { describe, expect, it } from 'vitest';
import { keyImages, type NewKeyImage } from './keyImages.js';

const frame = (sop: string, f: number, center = 40): NewKeyImage => ({
  studyInstanceUid: '1.2',
  seriesInstanceUid: '1.2.3',
  sopInstanceUid: sop,
  frame: f,
  windowCenter: center,
  windowWidth: 400,
  invert: false,
  label: 'CT',
});

describe('key-image store', () => {
  it('keeps one entry per frame, the latest window winning, and tells subscribers', () => {
    keyImages.clear();
    let calls = 0;
    const stop = keyImages.subscribe(() => calls++);
    keyImages.add(frame('1.2.3.4', 0));
    keyImages.add(frame('1.2.3.4', 1));
    keyImages.add(frame('1.2.3.4', 0, -600));
    expect(keyImages.list().map((k) => [k.id, k.windowCenter])).toEqual([
      ['1.2.3.4#1', 40],
      ['1.2.3.4#0', -600],
    ]);
    keyImages.remove('1.2.3.4#1');
    keyImages.remove('no such id'); // no change, no notification
    expect(keyImages.list()).toHaveLength(1);
    expect(calls).toBe(4);
    stop();
    keyImages.clear();
    expect(calls).toBe(4);
  });

  it('hands out a new array on change, so React sees the update', () => {
    keyImages.clear();
    const before = keyImages.list();
    keyImages.add(frame('9.9', 0));
    expect(keyImages.list()).not.toBe(before);
    keyImages.clear();
  });
});
