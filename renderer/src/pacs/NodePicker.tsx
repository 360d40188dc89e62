import type { PacsNode } from '../../../main/api/pacs.js';

/** The configured PACS nodes as a drop-down (the panel's queries and the workspace's "Send to PACS" share it). */
export function NodePicker({ nodes, nodeId, onChange }: { nodes: readonly PacsNode[]; nodeId: string; onChange: (id: string) => void }) {
  return (
    <select aria-label="PACS node" value={nodeId} onChange={(e) => onChange(e.target.value)}>
      {nodes.map((n) => (
        <option key={n.id} value={n.id}>
          {n.name}
        </option>
      ))}
    </select>
  );
}
