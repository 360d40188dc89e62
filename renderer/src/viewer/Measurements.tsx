import { TOOL_LABEL, type PlacedMeasurement } from '../../../main/api/measurements.js';
import type { StudySummary } from '../../../main/api/studies.js';
import { useViewerNavigation } from '../services/navigation.js';
import { valueText } from './measurementAnnotations.js';
import type { MeasurementsState } from './useMeasurements.js';

interface Props {
  /** The study of the active viewport: its measurements are listed. */
  study: StudySummary | null;
  measurements: MeasurementsState;
}

/**
 * The active study's measurements (length, angle, rectangle/ellipse ROI with mean and SD), kept in the database:
 * each says where it was taken and jumps there; each can be removed.
 */
export function Measurements({ study, measurements }: Props) {
  const navigation = useViewerNavigation();
  const rows = study ? measurements.byStudy.get(study.studyInstanceUid) : undefined;
  const jump = (m: PlacedMeasurement) => {
    void navigation.open({ studyUid: m.studyInstanceUid, seriesUid: m.seriesInstanceUid, sopInstanceUid: m.sopInstanceUid, frame: m.frame }).catch(() => undefined); // the viewer's banner says why
  };
  return (
    <div className="measurements-panel">
      {measurements.problem && (
        <p className="error" role="alert">
          {measurements.problem}
        </p>
      )}
      {!study ? (
        <p className="muted pad">Open a series to see its study's measurements.</p>
      ) : !rows ? (
        <p className="muted pad">Loading measurements…</p>
      ) : rows.length === 0 ? (
        <p className="muted pad">No measurements in this study. Pick Length, Angle, Rectangle or Ellipse and draw on the image.</p>
      ) : (
        <ul className="measurements" data-testid="measurements">
          {rows.map((m) => (
            <li key={m.uid} data-uid={m.uid} data-tool={m.tool} data-value={m.value} data-unit={m.unit} data-sop={m.sopInstanceUid} data-frame={m.frame}>
              <button className="link m-jump" onClick={() => jump(m)} title={`Show it: ${m.where}`}>
                <span className="m-tool">{m.label || TOOL_LABEL[m.tool]}</span>
                <span className="m-text">{valueText(m)}</span>
                <span className="m-where muted">{m.where}</span>
              </button>
              <button className="icon" onClick={() => measurements.remove(m)} aria-label={`Remove ${TOOL_LABEL[m.tool]}`} title="Remove">
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
