import { describe, expect, it } from 'vitest';
import { ViewerNavigation, type ImageTarget } from './navigation.js';

const target = (sop: string): ImageTarget => ({ studyUid: '1', seriesUid: '1.2', sopInstanceUid: sop, frame: 0, voi: { center: 40, width: 400 } });

describe('viewer navigation', () => {
  it('hands a request to the attached viewer and passes its outcome back', async () => {
    const nav = new ViewerNavigation();
    const seen: string[] = [];
    nav.attach(async (t) => {
      seen.push(t.sopInstanceUid);
      if (t.sopInstanceUid === 'gone') throw new Error('not in the study list');
    });
    await nav.open(target('a'));
    await expect(nav.open(target('gone'))).rejects.toThrow('not in the study list');
    expect(seen).toEqual(['a', 'gone']);
  });

  it('keeps the latest request made before the viewer attached, and drops the earlier one with a reason', async () => {
    const nav = new ViewerNavigation();
    const first = nav.open(target('early'));
    const second = nav.open(target('late'));
    await expect(first).rejects.toThrow('Superseded');
    const seen: string[] = [];
    nav.attach(async (t) => void seen.push(t.sopInstanceUid));
    await second;
    expect(seen).toEqual(['late']);
  });

  it('stops handing requests to a detached viewer', async () => {
    const nav = new ViewerNavigation();
    const seen: string[] = [];
    const detach = nav.attach(async (t) => void seen.push(t.sopInstanceUid));
    detach();
    const waiting = nav.open(target('after'));
    nav.attach(async (t) => void seen.push(`again:${t.sopInstanceUid}`));
    await waiting;
    expect(seen).toEqual(['again:after']);
  });
});
