import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The files an ONNX graph reads weights from (each initializer's `external_data` "location", onnx.proto TensorProto
 * field 13), found by walking the protobuf's field headers: weight bytes stored inline are skipped by their length,
 * never read, so a 2 GB graph costs a few thousand small reads. ONNX Runtime resolves these names beside the graph;
 * the engine refuses a graph naming a file its manifest does not list (an unlisted file is never hashed).
 */
export function externalDataLocations(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const r = new Reader(fd, fstatSync(fd).size);
    const found = new Set<string>();
    r.fields(0, r.size, (field, start, end) => {
      if (field !== 7) return; // ModelProto.graph
      r.fields(start, end, (gf, ts, te) => {
        if (gf !== 5) return; // GraphProto.initializer
        r.fields(ts, te, (tf, es, ee) => {
          if (tf !== 13) return; // TensorProto.external_data: StringStringEntryProto
          let key = '';
          let value = '';
          r.fields(es, ee, (kf, ks, ke) => {
            if (kf === 1) key = r.text(ks, ke);
            else if (kf === 2) value = r.text(ks, ke);
          });
          if (key === 'location') found.add(value);
        });
      });
    });
    return [...found];
  } finally {
    closeSync(fd);
  }
}

class Reader {
  private readonly small = Buffer.alloc(16);
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private varint(at: number): { value: number; next: number } {
    const n = readSync(this.fd, this.small, 0, Math.min(10, this.size - at), at);
    let value = 0;
    let mul = 1;
    for (let i = 0; i < n; i++) {
      const b = this.small[i]!;
      value += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return { value, next: at + i + 1 };
    }
    throw new Error(`not an ONNX file: a truncated varint at byte ${at}`);
  }

  /** Calls `onLen` for each length-delimited field in [start, end); skips the others. */
  fields(start: number, end: number, onLen: (field: number, start: number, end: number) => void): void {
    let at = start;
    while (at < end) {
      const tag = this.varint(at);
      const field = Math.floor(tag.value / 8);
      const wire = tag.value & 7;
      at = tag.next;
      if (wire === 0) at = this.varint(at).next;
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else if (wire === 2) {
        const len = this.varint(at);
        if (len.next + len.value > end) throw new Error(`not an ONNX file: field ${field} at byte ${at} runs past its end`);
        onLen(field, len.next, len.next + len.value);
        at = len.next + len.value;
      } else throw new Error(`not an ONNX file: wire type ${wire} at byte ${at}`);
    }
  }

  text(start: number, end: number): string {
    const buf = Buffer.alloc(end - start);
    readSync(this.fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  }
}
