import { describe, expect, it } from 'vitest';
import type { PatientRef } from '../../../main/api/cases.js';
import { KeyImageStore, type NewKeyImage } from './keyImages.js';

const frame = (sop: string, f: number, center = 40, patient: PatientRef | null = null): NewKeyImage => ({
  studyInstanceUid: '1.2',
  seriesInstanceUid: '1.2.3',
  sopInstanceUid: sop,
  frame: f,
  windowCenter: center,
  windowWidth: 400,
  invert: false,
  label: 'CT',
  patient,
});
const ann: PatientRef = { key: 'P1', patientId: 'P1', name: 'DOE^ANN' };
const bob: PatientRef = { key: 'P2', patientId: 'P2', name: 'DOE^BOB' };

describe('key-image store', () => {
  const keyImages = new KeyImageStore();
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

  it("refuses a second patient's image, naming both, and keeps the first patient's", () => {
    keyImages.load([], null);
    expect(keyImages.add(frame('1.1', 0, 40, ann))).not.toBeNull();
    expect(keyImages.add(frame('2.1', 0, 40, bob))).toBeNull();
    expect(keyImages.refused()).toContain('DOE, ANN (ID P1)');
    expect(keyImages.refused()).toContain('DOE, BOB (ID P2)');
    expect(keyImages.list().map((k) => k.sopInstanceUid)).toEqual(['1.1']);
    // Cleared strip, same case: still Ann's. A new case (load with no owner) takes anyone.
    keyImages.clear();
    expect(keyImages.refused()).toBeNull();
    keyImages.load([], ann);
    expect(keyImages.add(frame('2.1', 0, 40, bob))).toBeNull();
    keyImages.load([], null);
    expect(keyImages.add(frame('2.1', 0, 40, bob))).not.toBeNull();
    expect(keyImages.patient()).toEqual(bob);
    keyImages.load([], null);
  });
});
