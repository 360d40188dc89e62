/** The boundary of a multipart/related content type (RFC 2387, as WADO-RS sends DICOM), or null. */
export function multipartBoundary(contentType: string): string | null {
  if (!/^multipart\/related/i.test(contentType.trim())) return null;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2] ?? null;
}

/**
 * Splits a multipart body into its parts' bodies as chunks arrive, so a series streams to disk one instance at a
 * time. A part is given out only once its closing delimiter has arrived: a truncated reply never yields half a file.
 */
export class MultipartSplitter {
  private readonly delimiter: Buffer;
  private readonly next: Buffer;
  private buf: Buffer = Buffer.alloc(0);
  private started = false;
  private scanFrom = 0;
  closed = false;

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`--${boundary}`);
    this.next = Buffer.from(`\r\n--${boundary}`);
  }

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const parts: Buffer[] = [];
    while (!this.closed) {
      if (!this.started) {
        const at = this.buf.indexOf(this.delimiter);
        if (at === -1) break;
        this.buf = this.buf.subarray(at);
        this.started = true;
      }
      // The buffer starts at a delimiter.
      const d = this.delimiter.length;
      if (this.buf.length < d + 2) break;
      if (this.buf[d] === 0x2d && this.buf[d + 1] === 0x2d) {
        this.closed = true; // "--boundary--"
        break;
      }
      const headersEnd = this.buf.indexOf('\r\n\r\n', d);
      if (headersEnd === -1) break;
      const end = this.buf.indexOf(this.next, Math.max(headersEnd + 4, this.scanFrom));
      if (end === -1) {
        this.scanFrom = Math.max(headersEnd + 4, this.buf.length - this.next.length); // rescan only the tail next time
        break;
      }
      parts.push(this.buf.subarray(headersEnd + 4, end));
      this.buf = this.buf.subarray(end + 2);
      this.scanFrom = 0;
    }
    return parts;
  }
}

/** Every part of a whole multipart body; null when the content type is not multipart or names no boundary. */
export function multipartParts(contentType: string, body: Buffer): Buffer[] | null {
  const boundary = multipartBoundary(contentType);
  return boundary === null ? null : new MultipartSplitter(boundary).push(body);
}
