import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import type { TagEntry } from '../api/studies.js';
import { TAG_DICTIONARY } from './dictionary.js';

const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const NUMBER_VRS: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };
const MAX_VALUE_CHARS = 256;
const MAX_VALUES = 16;
const MAX_ENTRIES = 5000;
const MAX_DEPTH = 4;

/** Every attribute of a data set, nested sequence items included, with printable values for the tag browser. */
export function listTags(ds: DataSet): TagEntry[] {
  const out: TagEntry[] = [];
  walk(ds, '', 0, out);
  return out;
}

function walk(ds: DataSet, prefix: string, depth: number, out: TagEntry[]): void {
  for (const key of Object.keys(ds.elements).sort()) {
    if (out.length >= MAX_ENTRIES) return;
    const el = ds.elements[key]!;
    const code = key.slice(1).toUpperCase();
    const known = TAG_DICTIONARY[code];
    const vr = el.vr ?? (el.items ? 'SQ' : (known?.[0] ?? 'UN'));
    const tag = `${prefix}(${code.slice(0, 4)},${code.slice(4)})`;
    out.push({ tag, vr, name: known?.[1] ?? (parseInt(code.slice(0, 4), 16) % 2 === 1 ? '(private)' : ''), value: valueOf(ds, el, vr) });
    if (el.items && depth < MAX_DEPTH) {
      el.items.forEach((item, i) => {
        if (item.dataSet) walk(item.dataSet, `${tag}[${i}].`, depth + 1, out);
      });
    }
  }
}

function valueOf(ds: DataSet, el: Element, vr: string): string {
  if (el.items) return `<sequence, ${el.items.length} item${el.items.length === 1 ? '' : 's'}>`;
  if (el.encapsulatedPixelData) return `<encapsulated pixel data, ${el.fragments?.length ?? 0} fragment(s)>`;
  if (el.length === 0) return '';
  if (STRING_VRS.has(vr)) return clip(vr === 'LT' || vr === 'ST' || vr === 'UT' ? (ds.text(el.tag) ?? '') : (ds.string(el.tag) ?? ''));
  const size = NUMBER_VRS[vr];
  if (size) {
    const n = Math.floor(el.length / size);
    const read = { US: ds.uint16, SS: ds.int16, UL: ds.uint32, SL: ds.int32, FL: ds.float, FD: ds.double }[vr as 'US']!.bind(ds);
    const values = Array.from({ length: Math.min(n, MAX_VALUES) }, (_, i) => read(el.tag, i));
    return values.join('\\') + (n > MAX_VALUES ? `\\… (${n} values)` : '');
  }
  if (vr === 'AT') return ds.attributeTag(el.tag) ?? '';
  if (vr === 'UN' && el.length <= MAX_VALUE_CHARS) {
    const text = dicomParser.readFixedString(ds.byteArray, el.dataOffset, el.length);
    if (/^[\x20-\x7e]*$/.test(text.replace(/\0+$/, ''))) return clip(text.replace(/\0+$/, '').trim());
  }
  return `<${vr}, ${el.length} bytes>`;
}

function clip(s: string): string {
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s;
}
