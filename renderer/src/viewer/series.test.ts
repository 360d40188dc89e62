import { describe, expect, it } from 'vitest';
import type { InstanceSummary } from '../../../main/api/studies.js';
import { frameOfImageId } from './imageIds.js';
import { cineRateOf, type LoadedSeries } from './series.js';
import { commandForKey } from './commands.js';

const instance = (frameTimeMs: number | null): InstanceSummary => ({
  sopInstanceUid: '1.2.3',
  instanceNumber: 1,
  frames: 96,
  rows: 512,
  columns: 512,
  pixelSpacing: null,
  window: null,
  photometric: 'MONOCHROME2',
  transferSyntax: '1.2.840.10008.1.2.4.50',
  frameTimeMs,
  sliceLocation: null,
  url: '/files/instances/1.2.3',
});

describe('viewer helpers', () => {
  it("plays cine at the file's FrameTime, else at a reading pace", () => {
    expect(cineRateOf({ instances: [instance(33)] } as unknown as LoadedSeries)).toEqual({ fps: 30.3, fromFile: true });
    expect(cineRateOf({ instances: [instance(76)] } as unknown as LoadedSeries)).toEqual({ fps: 13.16, fromFile: true });
    expect(cineRateOf({ instances: [instance(null)] } as unknown as LoadedSeries)).toEqual({ fps: 10, fromFile: false });
  });

  it('reads the 1-based frame of a wadouri image id as 0-based', () => {
    expect(frameOfImageId('wadouri:http://127.0.0.1:1/files/instances/1.2?frame=96')).toBe(95);
    expect(frameOfImageId('wadouri:http://127.0.0.1:1/files/instances/1.2')).toBe(0);
  });

  it('maps OHIF-style hotkeys, and never while typing', () => {
    const key = (k: string, target: Partial<HTMLElement> = { tagName: 'BODY' }) =>
      commandForKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, target } as unknown as KeyboardEvent);
    expect(key('1')).toEqual({ kind: 'preset', index: 0 });
    expect(key('I')).toEqual({ kind: 'invert' });
    expect(key(' ')).toEqual({ kind: 'cine' });
    expect(key('ArrowDown')).toEqual({ kind: 'scroll', delta: 1 });
    expect(key('i', { tagName: 'INPUT' })).toBeUndefined();
    expect(key('q')).toBeUndefined();
  });
});
