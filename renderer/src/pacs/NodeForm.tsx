import { useState, type FormEvent } from 'react';
import type { PacsNode } from '../../../main/api/pacs.js';
import { useClient } from '../transport/context.js';

/** Adds a DICOMweb node; the secret is sent once and never shown again (the app answers `hasSecret`). */
export function NodeForm({ onSaved }: { onSaved: (node: PacsNode) => void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [kind, setKind] = useState<'none' | 'basic' | 'bearer'>('none');
  const [username, setUsername] = useState('');
  const [secret, setSecret] = useState('');
  const [timeoutS, setTimeoutS] = useState('30');
  const [error, setError] = useState<string | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const auth = kind === 'basic' ? { kind, username, password: secret } : kind === 'bearer' ? { kind, token: secret } : { kind };
    client.call('pacs.saveNode', { name, url, auth, timeoutMs: Math.round(Number(timeoutS) * 1000) }).then(
      (node) => {
        setError(null);
        setSecret('');
        onSaved(node);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };

  return (
    <form className="pacs-form" onSubmit={submit} aria-label="Add PACS node">
      <input aria-label="Node name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} />
      <input aria-label="DICOMweb URL" placeholder="http://pacs:8042/dicom-web" value={url} onChange={(e) => setUrl(e.target.value)} />
      <select aria-label="Authentication" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
        <option value="none">No authentication</option>
        <option value="basic">Basic (user, password)</option>
        <option value="bearer">Bearer token</option>
      </select>
      {kind === 'basic' && <input aria-label="User name" placeholder="User" value={username} onChange={(e) => setUsername(e.target.value)} />}
      {kind !== 'none' && <input aria-label={kind === 'basic' ? 'Password' : 'Token'} type="password" value={secret} onChange={(e) => setSecret(e.target.value)} />}
      <label className="pacs-inline">
        Timeout (s) <input aria-label="Timeout in seconds" type="number" min={1} max={300} value={timeoutS} onChange={(e) => setTimeoutS(e.target.value)} />
      </label>
      <button type="submit">Save node</button>
      {error && <p className="error" role="alert">{error}</p>}
    </form>
  );
}
