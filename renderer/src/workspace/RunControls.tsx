import { useState } from 'react';
import type { SettingsPatch } from '../../../main/api/index.js';
import { ProviderOptions } from '../settings/ProviderOptions.js';
import './run-controls.css';

/** Run, cancel, and "run again with other settings": overrides apply to the next run only. */
export function RunControls({ running, busy, canRun, hasRun, onRun, onCancel }: { running: boolean; busy: boolean; canRun: string | null; hasRun: boolean; onRun: (o: SettingsPatch) => void; onCancel: () => void }) {
  const [overrides, setOverrides] = useState<{ rounds: string; k: string; cdirThreshold: string; executionProvider: string }>({ rounds: '', k: '', cdirThreshold: '', executionProvider: '' });
  const patch = (): SettingsPatch => ({
    ...(overrides.rounds ? { rounds: Number(overrides.rounds) } : {}),
    ...(overrides.k ? { k: Number(overrides.k) } : {}),
    ...(overrides.cdirThreshold ? { cdirThreshold: Number(overrides.cdirThreshold) } : {}),
    ...(overrides.executionProvider ? { executionProvider: overrides.executionProvider as SettingsPatch['executionProvider'] } : {}),
  });
  return (
    <div className="run-controls">
      {/* Run and Cancel each have their own place: a late click on Cancel (the run just ended) hits a disabled Cancel,
          never a Run that took its spot. */}
      <button className="primary" data-testid="run-button" disabled={running || busy || canRun !== null} title={running ? 'A run is in progress' : (canRun ?? 'Run the model on this question and these key images')} onClick={() => onRun(patch())}>
        {hasRun ? 'Run again' : 'Run'}
      </button>
      {canRun && !running && <span className="muted run-hint">{canRun}</span>}
      <button className="danger run-cancel" data-testid="cancel-button" disabled={!running} title={running ? 'Stop this run' : 'No run in progress'} onClick={onCancel}>
        Cancel
      </button>
      <details className="overrides">
        <summary>This run's settings</summary>
        <label>
          Rounds
          <input type="number" min={1} max={3} placeholder="saved" value={overrides.rounds} onChange={(e) => setOverrides({ ...overrides, rounds: e.target.value })} />
        </label>
        <label>
          k
          <input type="number" min={1} max={10} placeholder="saved" value={overrides.k} onChange={(e) => setOverrides({ ...overrides, k: e.target.value })} />
        </label>
        <label>
          CDIR threshold
          <input type="number" min={0} max={1} step={0.05} placeholder="saved" value={overrides.cdirThreshold} onChange={(e) => setOverrides({ ...overrides, cdirThreshold: e.target.value })} />
        </label>
        <label>
          Provider
          <select value={overrides.executionProvider} onChange={(e) => setOverrides({ ...overrides, executionProvider: e.target.value })}>
            <option value="">saved</option>
            <ProviderOptions />
          </select>
        </label>
      </details>
    </div>
  );
}
