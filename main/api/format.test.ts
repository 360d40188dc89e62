import { describe, expect, it } from 'vitest';
import { ageAt, formatDicomDate, formatPersonName, formatSex, formatTimestamp, normaliseDicomDate } from './format.js';

describe('DICOM values for people', () => {
  it('writes person names family first, with given and middle names, and says when there is none', () => {
    expect(formatPersonName('DEMO^SYNTHETIC')).toBe('DEMO, SYNTHETIC');
    expect(formatPersonName('Doe^Jane^Q^Dr^')).toBe('Doe, Jane Q');
    expect(formatPersonName('Yamada^Tarou=山田^太郎')).toBe('Yamada, Tarou');
    expect(formatPersonName('')).toBe('(no name)');
  });

  it('writes dates in ISO order, ages in whole years at the study date, sex in words', () => {
    expect(formatDicomDate('20260101')).toBe('2026-01-01');
    expect(formatDicomDate('2026')).toBe('2026');
    expect(formatDicomDate('1999.05.24')).toBe('1999-05-24'); // ACR-NEMA 2.0's form, still in old files
    expect(formatDicomDate('1999/05/24')).toBe('1999/05/24'); // not DICOM's: shown as it is
    expect(normaliseDicomDate(' 1999.05.24 ')).toBe('19990524');
    expect(normaliseDicomDate('19990524')).toBe('19990524');
    expect(ageAt('1950.01.12', '2004.08.26')).toBe(54);
    expect(ageAt('19800615', '20260614')).toBe(45);
    expect(ageAt('19800615', '20260615')).toBe(46);
    expect(ageAt('', '20260101')).toBeNull();
    expect(ageAt('20300101', '20260101')).toBeNull();
    expect(formatSex('F')).toBe('female');
    expect(formatSex('')).toBe('');
  });

  it('writes a timestamp to the minute with its zone', () => {
    expect(formatTimestamp('2026-12-02T04:31:59.000Z', 'UTC')).toBe('2026-12-02 04:31 UTC');
    expect(formatTimestamp('not a date')).toBe('not a date');
  });
});
