import { useState, type DragEvent, type FormEvent } from 'react';
import { importCounts, nonImageKinds } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import type { ImportState } from './useImport.js';
import { uploadFiles } from './uploadFiles.js';
import './import-panel.css';

interface Props {
  current: ImportState | null;
  onImport: (paths: string[]) => void;
  onCancel: () => void;
  onDismiss: () => void;
}

/**
 * File → Open for both modes: the app imports paths on its own machine (web mode binds to loopback, so that is
 * the user's machine). A drop is imported by path where it carries paths (Electron, file:// URIs); otherwise its
 * files are uploaded into the data directory and imported from there.
 */
export function ImportPanel({ current, onImport, onCancel, onDismiss }: Props) {
  const [path, setPath] = useState('');
  const [dropNote, setDropNote] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const client = useClient();
  const running = current?.state === 'running';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const paths = path
      .split('\n')
      .map((p) => p.trim())
      .filter(Boolean);
    if (paths.length > 0) onImport(paths);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const paths = droppedPaths(e.dataTransfer);
    if (paths.length > 0) {
      setDropNote(null);
      onImport(paths);
    } else if (e.dataTransfer.files.length > 0) {
      const files = [...e.dataTransfer.files];
      setDropNote(`Uploading ${files.length} dropped file${files.length === 1 ? '' : 's'}…`);
      uploadFiles(client, files).then(
        (directory) => {
          setDropNote(null);
          onImport([directory]);
        },
        (err: unknown) => setDropNote(`Upload failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
  };

  return (
    <section
      className={`import-panel${dragging ? ' dragging' : ''}`}
      data-testid="import-panel"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files') || e.dataTransfer.types.includes('text/uri-list')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <form onSubmit={submit} className="import-form">
        <input
          aria-label="Path to import"
          placeholder="/path/to/DICOM folder, file or DICOMDIR"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          disabled={running}
          spellCheck={false}
        />
        <button type="submit" disabled={running || path.trim() === ''}>
          Import
        </button>
      </form>
      {dropNote && <p className="hint">{dropNote}</p>}
      {current && <ImportStatus current={current} onCancel={onCancel} onDismiss={onDismiss} />}
    </section>
  );
}

function ImportStatus({ current, onCancel, onDismiss }: { current: ImportState; onCancel: () => void; onDismiss: () => void }) {
  const running = current.state === 'running';
  const pct = current.total ? Math.min(100, (current.done / current.total) * 100) : null;
  const report = current.report;
  return (
    <div className="import-status" data-testid="import-status" data-state={current.state} data-task={current.taskId}>
      <div className="import-row">
        <progress max={100} value={pct ?? undefined} aria-label="Import progress" />
        {running ? (
          <button onClick={onCancel}>Cancel</button>
        ) : (
          <button onClick={onDismiss} aria-label="Dismiss import report">
            ✕
          </button>
        )}
      </div>
      <div className="import-counts" data-field="progress">
        {running
          ? `${current.done}${current.total !== null ? ` / ${current.total}` : ''} files · ${current.label}`
          : current.error
            ? `Import failed: ${current.error}`
            : report
              ? `${stateWord(report.state)}: ${importCounts(report)} (${report.done}${report.total !== null ? ` of ${report.total}` : ''} files)`
              : stateWord(current.state)}
      </div>
      {report && report.notImages.length > 0 && (
        <details className="import-not-images">
          <summary>
            {report.notImages.length} not {report.notImages.length === 1 ? 'an image' : 'images'}: {nonImageKinds(report.notImages)}
          </summary>
          <ul data-testid="import-not-images">
            {report.notImages.map((f) => (
              <li key={f.path} title={f.path} data-kind={f.kind}>
                <span className="fail-name">{baseName(f.path)}</span> <span className="muted">{f.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {report && report.failures.length > 0 && (
        <details className="import-failures" open={report.failures.length <= 8}>
          <summary>{report.failures.length} files could not be imported</summary>
          <ul data-testid="import-failures">
            {report.failures.map((f) => (
              <li key={f.path} title={f.path}>
                <span className="fail-name">{baseName(f.path)}</span> <span className="fail-reason">{f.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function stateWord(state: ImportState['state']): string {
  return { running: 'Importing', completed: 'Import complete', cancelled: 'Import cancelled', failed: 'Import failed' }[state];
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** Paths a drop carries: Electron's preload knows each file's path; file managers put file:// URIs in text/uri-list. */
function droppedPaths(data: DataTransfer): string[] {
  const bridge = window.medrwr;
  if (bridge && data.files.length > 0) return bridge.pathsForFiles([...data.files]).filter(Boolean);
  return data
    .getData('text/uri-list')
    .split(/\r?\n/)
    .filter((line) => line.startsWith('file://'))
    .map((uri) => decodeURIComponent(new URL(uri).pathname));
}
