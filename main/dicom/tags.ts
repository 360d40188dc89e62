import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import type { TagEntry } from '../api/studies.js';
import { TAG_DICTIONARY } from './dictionary.js';

const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const NUMBER_VRS: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };
const MAX_VALUE_CHARS = 256;
const MAX_VALUES = 16;
/** Enough for a 1,000-frame enhanced object's per-frame groups; past it, sequences are summarised without items. */
const MAX_ENTRIES = 50_000;
const MAX_DEPTH = 4;

/**
 * Every attribute of a data set as a tree, with printable values for the tag browser: a sequence carries its items
 * (to MAX_DEPTH levels). Item and sequence delimiters (group FFFE) are encoding, not attributes, and are left out.
 */
export function listTags(ds: DataSet): TagEntry[] {
  return walk(ds, 0, { count: 0 });
}

function walk(ds: DataSet, depth: number, budget: { count: number }): TagEntry[] {
  const out: TagEntry[] = [];
  for (const key of Object.keys(ds.elements).sort()) {
    if (budget.count >= MAX_ENTRIES) break;
    const code = key.slice(1).toUpperCase();
    if (code.startsWith('FFFE')) continue;
    const el = ds.elements[key]!;
    const known = TAG_DICTIONARY[code];
    const vr = el.vr ?? (el.items ? 'SQ' : (known?.[0] ?? 'UN'));
    budget.count++;
    const entry: TagEntry = { tag: `(${code.slice(0, 4)},${code.slice(4)})`, vr, name: known?.[1] ?? (parseInt(code.slice(0, 4), 16) % 2 === 1 ? '(private)' : ''), value: valueOf(ds, el, vr) };
    if (el.items && el.items.length > 0 && depth < MAX_DEPTH) entry.items = el.items.map((item) => (item.dataSet ? walk(item.dataSet, depth + 1, budget) : []));
    out.push(entry);
  }
  return out;
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
