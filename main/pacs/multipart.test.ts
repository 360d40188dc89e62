import { describe, expect, it } from 'vitest';
import { multipartParts } from './multipart.js';

const body = (boundary: string, parts: string[], close = true) =>
  Buffer.from(parts.map((p) => `--${boundary}\r\nContent-Type: application/dicom\r\n\r\n${p}\r\n`).join('') + (close ? `--${boundary}--\r\n` : ''));

describe('multipart/related parts', () => {
  it('splits parts by a quoted or bare boundary, keeping bodies byte for byte', () => {
    const parts = ['DICM\r\n--not-the-boundary\r\n', 'second'];
    expect(multipartParts('multipart/related; type="application/dicom"; boundary="b-1"', body('b-1', parts))?.map(String)).toEqual(parts);
    expect(multipartParts('multipart/related; boundary=b2; type="application/dicom"', body('b2', parts))?.map(String)).toEqual(parts);
  });
  it('drops a part whose closing delimiter never came (a truncated reply)', () => {
    const cut = body('b', ['whole', 'cut'], false);
    expect(multipartParts('multipart/related; boundary=b', cut.subarray(0, cut.length - 5))?.map(String)).toEqual(['whole']);
  });
  it('is null for a reply that is not multipart or has no boundary', () => {
    expect(multipartParts('application/dicom', Buffer.from('x'))).toBeNull();
    expect(multipartParts('multipart/related; type="application/dicom"', Buffer.from('x'))).toBeNull();
  });
});
