import { useState } from 'react';
import type { AuditEntry } from '../../../main/api/index.js';
import { useClient } from '../transport/context.js';

/** Who did what to this case and when (the OS user of the workstation), loaded when unfolded. */
export function AuditLog({ caseId }: { caseId: string }) {
  const client = useClient();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => client.call('cases.audit', { caseId }).then((r) => setEntries(r.entries), (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  return (
    <details className="audit" data-testid="audit-log" onToggle={(e) => e.currentTarget.open && void load()}>
      <summary>Audit log</summary>
      {error && <p className="error">{error}</p>}
      {entries && (
        <table>
          <tbody>
            {entries.map((a, i) => (
              <tr key={i}>
                <td>{new Date(a.at).toLocaleString()}</td>
                <td>{a.user}</td>
                <td>{a.action}</td>
                <td className="muted">{a.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}
