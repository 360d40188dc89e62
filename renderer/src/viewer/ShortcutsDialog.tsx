import { useEffect, useRef } from 'react';
import { HOTKEYS, keyName } from './commands.js';

const MOUSE: [string, string][] = [
  ['Left drag', 'The tool chosen in the toolbar (window/level at first)'],
  ['Right drag', 'Zoom'],
  ['Middle drag', 'Pan'],
  ['Wheel', 'Next / previous image'],
  ['Double-click', 'This viewport alone, and back'],
  ['Scrollbar (right edge)', 'Click or drag to any image of the stack'],
];

/** Every viewer key and mouse gesture, from the one list the keyboard handler uses (commands.ts). Opened by `?`. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal shortcuts-dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts-dialog" onClick={(e) => e.stopPropagation()}>
        <header>
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button ref={close} aria-label="Close" onClick={onClose}>
            ✕
          </button>
        </header>
        <p className="muted">Keys act on the active viewport; they are left alone while you type in a field, and Space or Enter on a focused button presses that button.</p>
        <table className="shortcuts">
          <tbody>
            {HOTKEYS.map((h) => (
              <tr key={h.label}>
                <td className="keys">
                  {h.keys.map((k) => (
                    <kbd key={k}>{keyName(k)}</kbd>
                  ))}
                </td>
                <td>{h.label}</td>
              </tr>
            ))}
            {MOUSE.map(([gesture, what]) => (
              <tr key={gesture}>
                <td className="keys">{gesture}</td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
