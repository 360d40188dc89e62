import { describe, expect, it } from 'vitest';
import { MultipartSplitter, multipartParts } from './multipart.js';

const body = (boundary: string, parts: string[], close = true) =>
  Buffer.from(parts.map((p) => `--${boundary}\r\nContent-Type: application/dicom\r\n\r\n${p}\r\n`).join('') + (close ? `--${boundary}--\r\n` : ''));

describe('multipart/related parts', () => {
  it('splits parts by a quoted or bare boundary, keeping bodies byte for byte', () => {
    const parts = ['DICM\r\n--not-the-boundary\r\n', 'second'];
    expect(multipartParts('multipart/related; type="application/dicom"; boundary="b-1"', body('b-1', parts))?.map(String)).toEqual(parts);
    expect(multipartParts('multipart/related; boundary=b2; type="application/dicom"', body('b2', parts))?.map(String)).toEqual(parts);
  });
  it('gives the same parts however the body is chunked, each once its closing delimiter has arrived', () => {
    const parts = ['first\r\n-', 'x'.repeat(3000), '--b\r'];
    const whole = body('b', parts);
    for (const size of [1, 7, 64, 1000]) {
      const splitter = new MultipartSplitter('b');
      const got: string[] = [];
      for (let i = 0; i < whole.length; i += size) got.push(...splitter.push(whole.subarray(i, i + size)).map(String));
      expect(got, `chunks of ${size}`).toEqual(parts);
      expect(splitter.closed).toBe(true);
    }
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
