import type { MeasurementGeometry, MeasurementInput, MeasurementTool } from '../../../main/api/measurements.js';

/**
 * What a Cornerstone annotation measured (its tool's cached statistics) and its drawing, as stored; the tools
 * themselves draw a stored one again (their `hydrate`). Pure: annotations are plain objects here, tested without a browser.
 */

type Point3 = [number, number, number];

/** The part of a Cornerstone annotation this reads and writes (structurally Types.Annotation). */
export interface AnnotationLike {
  annotationUID?: string;
  metadata?: { toolName?: string; referencedImageId?: string; viewPlaneNormal?: Point3; viewUp?: Point3; FrameOfReferenceUID?: string };
  data: { handles?: { points?: number[][] }; cachedStats?: Record<string, Record<string, unknown>>; label?: string };
}

const TOOLS: readonly MeasurementTool[] = ['Length', 'Angle', 'RectangleROI', 'EllipticalROI'];

/** What an annotation measured, as stored: null while its tool has not computed it (or for tools we do not keep). */
export type Measured = Pick<MeasurementInput, 'tool' | 'value' | 'unit' | 'detail' | 'label' | 'geometry'>;

export function measuredBy(a: AnnotationLike): Measured | null {
  const tool = a.metadata?.toolName as MeasurementTool | undefined;
  if (!tool || !TOOLS.includes(tool)) return null;
  const stats = Object.values(a.data.cachedStats ?? {})[0] ?? {};
  const num = (k: string) => (typeof stats[k] === 'number' && Number.isFinite(stats[k]) ? (stats[k] as number) : null);
  const str = (k: string) => (typeof stats[k] === 'string' ? (stats[k] as string) : '');
  const points = (a.data.handles?.points ?? []).filter((p): p is Point3 => p.length === 3 && p.every(Number.isFinite)).map((p) => [p[0], p[1], p[2]] as Point3);
  if (points.length === 0) return null;
  const m = a.metadata!;
  const geometry: MeasurementGeometry = {
    points,
    ...(m.viewPlaneNormal ? { viewPlaneNormal: [...m.viewPlaneNormal] as Point3 } : {}),
    ...(m.viewUp ? { viewUp: [...m.viewUp] as Point3 } : {}),
    // Only a real DICOM UID: without one Cornerstone makes up a long id, which means nothing after a reload.
    ...(m.FrameOfReferenceUID && /^[0-9.]{1,64}$/.test(m.FrameOfReferenceUID) ? { frameOfReferenceUid: m.FrameOfReferenceUID } : {}),
  };
  const label = (a.data.label ?? '').slice(0, 200);
  if (tool === 'Length') {
    const v = num('length');
    return v === null ? null : { tool, value: v, unit: str('unit') || 'mm', detail: '', label, geometry };
  }
  if (tool === 'Angle') {
    const v = num('angle');
    return v === null ? null : { tool, value: v, unit: '°', detail: '', label, geometry };
  }
  const mean = num('mean');
  if (mean === null) return null;
  const sd = num('stdDev');
  const area = num('area');
  const detail = `SD ${sd?.toFixed(1) ?? '–'} · area ${area?.toFixed(1) ?? '–'} ${str('areaUnit')}`.trim();
  return { tool, value: mean, unit: str('modalityUnit'), detail, label, geometry };
}

/** The value as the panel shows it: "23.46 mm", "32.0°", "mean 41.3 HU · SD 3.1 · area 120.5 mm²". */
export function valueText(m: Pick<Measured, 'tool' | 'value' | 'unit' | 'detail'>): string {
  if (m.tool === 'Length') return `${m.value.toFixed(2)} ${m.unit}`;
  if (m.tool === 'Angle') return `${m.value.toFixed(1)}°`;
  return `mean ${m.value.toFixed(1)} ${m.unit}${m.detail ? ` · ${m.detail}` : ''}`;
}

/** A stable fingerprint of what is stored, so that a re-render of an unchanged annotation is not saved again. */
export function signature(m: Measured): string {
  return JSON.stringify([m.tool, m.value.toPrecision(9), m.unit, m.detail, m.label, m.geometry.points.map((p) => p.map((v) => v.toPrecision(9)))]);
}
