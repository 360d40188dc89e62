import type { ReactNode } from 'react';
import './layout.css';

/**
 * A side panel that folds into a narrow rail so the viewer gets the room. Folded, its content stays mounted (hidden),
 * so a search typed, an import or a run in progress carry on.
 */
export function CollapsiblePanel({ side, label, collapsed, onToggle, children }: { side: 'left' | 'right'; label: string; collapsed: boolean; onToggle: () => void; children: ReactNode }) {
  const rail = (
    <button
      className="panel-rail"
      aria-expanded={!collapsed}
      aria-label={`${collapsed ? 'Show' : 'Hide'} ${label.toLowerCase()} panel`}
      title={`${collapsed ? 'Show' : 'Hide'} ${label.toLowerCase()}`}
      onClick={onToggle}
    >
      <span className="panel-rail-arrow">{(side === 'left') === collapsed ? '▸' : '◂'}</span>
      <span className="panel-rail-label">{label}</span>
    </button>
  );
  return (
    <div className={`side-slot ${side}${collapsed ? ' collapsed' : ''}`} data-testid={`panel-${label.toLowerCase()}`} data-collapsed={collapsed}>
      {side === 'right' && rail}
      <div className="side-slot-body" hidden={collapsed}>
        {children}
      </div>
      {side === 'left' && rail}
    </div>
  );
}
