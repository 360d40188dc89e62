import { useEffect, useState } from 'react';
import type { PacsNode } from '../../../main/api/pacs.js';
import { useClient } from '../transport/context.js';
import { NodePicker } from './NodePicker.js';
import './pacs.css';

/** Sends the case's result as a DICOM SR to a configured PACS node (STOW-RS, into the key images' study). */
export function SendToPacs({ caseId, runId }: { caseId: string; runId: string | null }) {
  const client = useClient();
  const [nodes, setNodes] = useState<PacsNode[]>([]);
  const [nodeId, setNodeId] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  useEffect(() => {
    void client.call('pacs.nodes', {}).then((r) => {
      setNodes(r.nodes);
      setNodeId((id) => (r.nodes.some((n) => n.id === id) ? id : (r.nodes[0]?.id ?? '')));
    });
  }, [client]);
  if (nodes.length === 0) return null; // no PACS configured: nothing to send to
  const send = () => {
    setBusy(true);
    setMessage(null);
    client
      .call('pacs.sendCase', { nodeId, caseId, ...(runId ? { runId } : {}) })
      .then(
        (r) => setMessage({ error: false, text: `Sent as DICOM SR ${r.sopInstanceUid} to ${nodes.find((n) => n.id === nodeId)?.name ?? 'the PACS'}.` }),
        (err: unknown) => setMessage({ error: true, text: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => setBusy(false));
  };
  return (
    <span className="send-pacs" data-testid="send-pacs">
      <NodePicker nodes={nodes} nodeId={nodeId} onChange={setNodeId} />
      <button onClick={send} disabled={busy || !nodeId}>
        {busy ? 'Sending…' : 'Send to PACS'}
      </button>
      {message && <span className={message.error ? 'error' : 'muted'} data-testid="send-pacs-message">{message.text}</span>}
    </span>
  );
}
