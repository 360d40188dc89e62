import { useEffect, useMemo, useState } from 'react';
import type { TagEntry } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';

/** Every attribute of the instance on screen (instances.tags), filterable by tag, keyword or value. */
export function TagBrowser({ sopInstanceUid }: { sopInstanceUid: string | null }) {
  const client = useClient();
  // What was read, and for which instance: another instance's tags are never shown while this one's are read.
  const [read, setRead] = useState<{ uid: string; tags: TagEntry[] | null; error: string | null } | null>(null);
  const [filter, setFilter] = useState('');
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

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    if (!tags || !q) return tags ?? [];
    return tags.filter((t) => t.tag.toLowerCase().includes(q) || t.name.toLowerCase().includes(q) || t.value.toLowerCase().includes(q));
  }, [tags, filter]);

  if (!sopInstanceUid) return <p className="muted pad">Open a series to see its tags.</p>;
  return (
    <div className="tag-browser" data-testid="tag-browser">
      <input className="tag-filter" placeholder="Filter tags (e.g. 0028, Window, CHEST)" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter tags" />
      {error && <p className="error pad">{error}</p>}
      {!tags && !error && <p className="muted pad">Reading tags…</p>}
      {tags && (
        <div className="tag-scroll">
          <table className="tag-table">
            <thead>
              <tr>
                <th>Tag</th>
                <th>VR</th>
                <th>Name</th>
                <th>Value</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((t) => (
                <tr key={t.tag}>
                  <td className="mono">{t.tag}</td>
                  <td className="mono muted">{t.vr}</td>
                  <td>{t.name}</td>
                  <td className="tag-value" title={t.value}>
                    {t.value}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
