/**
 * Splits a multipart/related body (RFC 2387, as WADO-RS sends DICOM) into its parts' bodies.
 * Returns null when the content type is not multipart or names no boundary.
 */
export function multipartParts(contentType: string, body: Buffer): Buffer[] | null {
  if (!/^multipart\/related/i.test(contentType.trim())) return null;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const afterDelim = at + delimiter.length;
    if (body[afterDelim] === 0x2d && body[afterDelim + 1] === 0x2d) break; // closing "--boundary--"
    const headersEnd = body.indexOf('\r\n\r\n', afterDelim);
    if (headersEnd === -1) break;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next === -1) break; // no closing delimiter: a truncated body, the part is not taken
    parts.push(body.subarray(headersEnd + 4, next));
    at = next + 2;
  }
  return parts;
}
