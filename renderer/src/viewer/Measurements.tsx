import { useEffect, useState } from 'react';
import { eventTarget } from '@cornerstonejs/core';
import { annotation, Enums as ToolEnums, type Types as ToolTypes } from '@cornerstonejs/tools';
import { renderingEngine } from './engine.js';
import { frameOfImageId } from './imageIds.js';

/** One measurement as the panel lists it; `value` is the number the tests check, `text` what a reader sees. */
export interface MeasurementRow {
  readonly uid: string;
  readonly tool: string;
  readonly value: number | null;
  readonly unit: string;
  readonly text: string;
  readonly where: string;
}

const LABEL: Record<string, string> = { Length: 'Length', Angle: 'Angle', RectangleROI: 'Rectangle', EllipticalROI: 'Ellipse' };

function rowOf(a: ToolTypes.Annotation): MeasurementRow | null {
  const tool = a.metadata?.toolName ?? '';
  if (!(tool in LABEL)) return null;
  const stats = Object.values((a.data.cachedStats ?? {}) as Record<string, Record<string, unknown>>)[0] ?? {};
  const num = (k: string) => (typeof stats[k] === 'number' && Number.isFinite(stats[k]) ? (stats[k] as number) : null);
  const str = (k: string) => (typeof stats[k] === 'string' ? (stats[k] as string) : '');
  const imageId = a.metadata?.referencedImageId ?? '';
  // For the row's tooltip: which instance (UID tail) and frame the measurement was drawn on.
  const where = imageId ? `Instance …${decodeURIComponent(imageId.split('/').pop()!.split('?')[0]!).slice(-12)}, frame ${frameOfImageId(imageId) + 1}` : '';
  if (tool === 'Length') {
    const v = num('length');
    return { uid: a.annotationUID!, tool, value: v, unit: str('unit') || 'mm', text: v === null ? '…' : `${v.toFixed(2)} ${str('unit') || 'mm'}`, where };
  }
  if (tool === 'Angle') {
    const v = num('angle');
    return { uid: a.annotationUID!, tool, value: v, unit: '°', text: v === null ? '…' : `${v.toFixed(1)}°`, where };
  }
  const mean = num('mean');
  const sd = num('stdDev');
  const area = num('area');
  const mu = str('modalityUnit');
  const text = mean === null ? '…' : `mean ${mean.toFixed(1)} ${mu} · SD ${sd?.toFixed(1) ?? '–'} · area ${area?.toFixed(1) ?? '–'} ${str('areaUnit')}`;
  return { uid: a.annotationUID!, tool, value: mean, unit: mu, text, where };
}

function readRows(): MeasurementRow[] {
  return annotation.state.getAllAnnotations().map(rowOf).filter((r): r is MeasurementRow => r !== null);
}

/** The measurements drawn so far (length, angle, rectangle/ellipse ROI with mean and SD), each removable. */
export function Measurements() {
  const [rows, setRows] = useState<MeasurementRow[]>([]);
  useEffect(() => {
    const update = () => setRows(readRows());
    const names = [ToolEnums.Events.ANNOTATION_COMPLETED, ToolEnums.Events.ANNOTATION_MODIFIED, ToolEnums.Events.ANNOTATION_REMOVED];
    for (const n of names) eventTarget.addEventListener(n, update);
    update();
    return () => {
      for (const n of names) eventTarget.removeEventListener(n, update);
    };
  }, []);

  const remove = (uid: string) => {
    annotation.state.removeAnnotation(uid);
    renderingEngine().render();
    setRows(readRows());
  };

  if (rows.length === 0) return <p className="muted pad">No measurements. Pick Length, Angle, Rectangle or Ellipse and draw on the image.</p>;
  return (
    <ul className="measurements" data-testid="measurements">
      {rows.map((r) => (
        <li key={r.uid} data-tool={r.tool} data-value={r.value ?? ''} data-unit={r.unit} title={r.where}>
          <span className="m-tool">{LABEL[r.tool]}</span>
          <span className="m-text">{r.text}</span>
          <button className="icon" onClick={() => remove(r.uid)} aria-label={`Remove ${LABEL[r.tool]}`} title="Remove">
            ✕
          </button>
        </li>
      ))}
    </ul>
  );
}
