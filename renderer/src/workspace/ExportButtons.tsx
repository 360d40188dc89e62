import { useState } from 'react';
import type { ReportFormat } from '../../../main/api/index.js';
import { SendToPacs } from '../pacs/SendToPacs.js';
import { useClient } from '../transport/context.js';

/** Saves a report through the browser's download (web mode) or Electron's save (same API). */
export function ExportButtons({ caseId, runId }: { caseId: string; runId: string | null }) {
  const client = useClient();
  const [deidentify, setDeidentify] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (format: ReportFormat) => {
    setError(null);
    try {
      const r = await client.call('reports.export', { caseId, format, deidentify, ...(runId ? { runId } : {}) });
      const bytes = r.encoding === 'base64' ? Uint8Array.from(atob(r.data), (c) => c.charCodeAt(0)) : new TextEncoder().encode(r.data);
      const url = URL.createObjectURL(new Blob([bytes], { type: r.mimeType }));
      const a = document.createElement('a');
      a.href = url;
      a.download = r.filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="export" data-testid="export">
      <span className="muted">Report:</span>
      {(['html', 'pdf', 'json'] as const).map((f) => (
        <button key={f} onClick={() => void save(f)}>
          {f.toUpperCase()}
        </button>
      ))}
      <button onClick={() => void save('sr')} title="A DICOM Comprehensive SR (.dcm) for the archive; never de-identified">
        Export DICOM SR
      </button>
      <SendToPacs caseId={caseId} runId={runId} />
      <label>
        <input type="checkbox" checked={deidentify} onChange={(e) => setDeidentify(e.target.checked)} /> de-identify
      </label>
      {error && <span className="error">{error}</span>}
    </div>
  );
}
