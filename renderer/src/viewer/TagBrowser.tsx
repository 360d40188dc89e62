import { useEffect, useMemo, useState } from 'react';
import type { TagEntry } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import { matchingRows, perFrameCount, tagRows, type TagRow } from './tag-tree.js';
import './tag-browser.css';

/**
 * Every attribute of the instance on screen (instances.tags) as a tree: sequences open to their items, the per-frame
 * functional groups show the frame the slider picks, which follows the frame on screen (1-based `shownFrame`) until
 * the slider is moved. A filter lists matching attributes at any depth with their path.
 */
export function TagBrowser({ sopInstanceUid, shownFrame = 1 }: { sopInstanceUid: string | null; shownFrame?: number }) {
  const client = useClient();
  // What was read, and for which instance: another instance's tags are never shown while this one's are read.
  const [read, setRead] = useState<{ uid: string; tags: TagEntry[] | null; error: string | null } | null>(null);
  const [filter, setFilter] = useState('');
  const [toggled, setToggled] = useState<ReadonlySet<string>>(new Set());
  // A frame picked on the slider holds until the frame on screen changes.
  const onScreen = `${sopInstanceUid}:${shownFrame}`;
  const [picked, setPicked] = useState<{ frame: number; onScreen: string } | null>(null);
  const frame = picked?.onScreen === onScreen ? picked.frame : shownFrame;
  const setFrame = (f: number) => setPicked({ frame: f, onScreen });
  const tags = read && read.uid === sopInstanceUid ? read.tags : null;
  const error = read && read.uid === sopInstanceUid ? read.error : null;

  useEffect(() => {
    if (!sopInstanceUid) return;
    let current = true;
    client.call('instances.tags', { sopInstanceUid }).then(
      (r) => current && setRead({ uid: sopInstanceUid, tags: r.tags, error: null }),
      (err: unknown) => current && setRead({ uid: sopInstanceUid, tags: null, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      current = false;
    };
  }, [client, sopInstanceUid]);

  const frames = useMemo(() => perFrameCount(tags ?? []), [tags]);
  const rows = useMemo(() => {
    if (!tags) return [];
    return filter.trim() ? matchingRows(tags, filter, frame) : tagRows(tags, toggled, frame);
  }, [tags, filter, toggled, frame]);
  const toggle = (key: string) =>
    setToggled((t) => {
      const next = new Set(t);
      if (!next.delete(key)) next.add(key);
      return next;
    });

  if (!sopInstanceUid) return <p className="muted pad">Open a series to see its tags.</p>;
  return (
    <div className="tag-browser" data-testid="tag-browser">
      <input className="tag-filter" placeholder="Filter tags (e.g. 0028, Window, CHEST)" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter tags" />
      {error && <p className="error pad">{error}</p>}
      {!tags && !error && <p className="muted pad">Reading tags…</p>}
      {tags && (
        <div className="tag-scroll">
          <table className="tag-table">
            <colgroup>
              <col className="tag-col-tag" />
              <col className="tag-col-vr" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th>Tag · name</th>
                <th>VR</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <Row key={row.key} row={row} frame={Math.min(frame, Math.max(frames, 1))} onToggle={toggle} onFrame={setFrame} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function Row({ row, frame, onToggle, onFrame }: { row: TagRow; frame: number; onToggle: (key: string) => void; onFrame: (frame: number) => void }) {
  const indent = { paddingLeft: 6 + row.depth * 12 };
  if (row.kind === 'item') {
    return (
      <tr className="tag-item-row" data-key={row.key}>
        <td colSpan={3} style={indent}>
          <button type="button" className="tag-toggle" aria-expanded={row.open} onClick={() => onToggle(row.key)}>
            {row.open ? '▾' : '▸'} Item {row.index + 1} of {row.count}
          </button>
        </td>
      </tr>
    );
  }
  if (row.kind === 'frame') {
    return (
      <tr className="tag-frame-row" data-testid="tag-frame-row">
        <td colSpan={3} style={indent}>
          <label className="tag-frame">
            Frame
            <input type="range" min={1} max={row.frames} value={frame} onChange={(e) => onFrame(Number(e.target.value))} aria-label="Per-frame groups: frame" />
            <input type="number" min={1} max={row.frames} value={frame} onChange={(e) => onFrame(Number(e.target.value) || 1)} aria-label="Frame number" />
            <span className="muted">of {row.frames}</span>
          </label>
        </td>
      </tr>
    );
  }
  const { entry } = row;
  const isSequence = (entry.items?.length ?? 0) > 0 && !row.path;
  return (
    <tr data-key={row.key} data-tag={entry.tag}>
      <td style={indent}>
        {row.path && <span className="tag-path">{row.path}</span>}
        {isSequence ? (
          <button type="button" className="tag-toggle mono" aria-expanded={row.open} onClick={() => onToggle(row.key)}>
            {row.open ? '▾' : '▸'} {entry.tag}
          </button>
        ) : (
          <span className="mono">{entry.tag}</span>
        )}
        {entry.name && (
          <span className="tag-name" title={entry.name}>
            {entry.name}
          </span>
        )}
      </td>
      <td className="mono muted">{entry.vr}</td>
      <td className="tag-value" title={entry.value}>
        <span className="tag-value-text">{entry.value}</span>
      </td>
    </tr>
  );
}
