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

  it('maps OHIF-style hotkeys, and never takes a key a focused control uses', () => {
    // A stand-in element: `closest` matches a selector list by tag name or [role=…], as the browser's would here.
    const el = (tag: string, role?: string) => ({
      tagName: tag.toUpperCase(),
      isContentEditable: false,
      closest: (selectors: string) => selectors.split(',').some((sel) => sel.trim() === tag || (role !== undefined && sel.trim() === `[role=${role}]`)),
    });
    const key = (k: string, target: object = el('body')) => commandForKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, target } as unknown as KeyboardEvent);
    expect(key('1')).toEqual({ kind: 'window', index: 0 });
    expect(key('9')).toEqual({ kind: 'window', index: 8 });
    expect(key('I')).toEqual({ kind: 'invert' });
    expect(key('r')).toEqual({ kind: 'rotate', degrees: 90 });
    expect(key('l')).toEqual({ kind: 'rotate', degrees: -90 });
    expect(key('=')).toEqual({ kind: 'fit' });
    expect(key('?')).toEqual({ kind: 'shortcuts' });
    expect(key(' ')).toEqual({ kind: 'cine' });
    expect(key('ArrowDown')).toEqual({ kind: 'scroll', delta: 1 });
    expect(key('PageDown')).toEqual({ kind: 'series', delta: 1 });
    expect(key('ArrowRight')).toEqual({ kind: 'step', delta: 1 });
    // Typing: nothing. A focused button: Space and Enter press it, other keys still work. A slider keeps its arrows.
    expect(key('i', el('input'))).toBeUndefined();
    expect(key('r', el('textarea'))).toBeUndefined();
    expect(key(' ', el('button'))).toBeUndefined();
    expect(key('Enter', el('button'))).toBeUndefined();
    expect(key('i', el('button'))).toEqual({ kind: 'invert' });
    expect(key('ArrowDown', el('div', 'slider'))).toBeUndefined();
    expect(key('ArrowDown', el('button'))).toEqual({ kind: 'scroll', delta: 1 });
    expect(key('q')).toBeUndefined();
    expect(commandForKey({ key: 'r', ctrlKey: true, metaKey: false, altKey: false, target: el('body') } as unknown as KeyboardEvent)).toBeUndefined();
  });

});
