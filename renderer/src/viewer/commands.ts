import type { PrimaryTool } from './engine.js';

/**
 * Everything the toolbar and the keyboard can ask of the viewer, in one list so hotkeys, buttons and the Shortcuts
 * dialog cannot drift apart. Keys are OHIF's defaults (platform/core hotkeyBindings) where they do not clash with
 * this app: R/L rotate, H/V flip, I invert, +/- zoom, = fit, ↑/↓ image, ←/→ viewport, PgUp/PgDn series, Home/End,
 * 1–9 windows, Z zoom tool. Two differ on purpose: Space plays cine (OHIF: reset; a reader of cine loops needs it
 * most), and reset moves to 0.
 */
export type ViewerCommand =
  | { kind: 'tool'; tool: PrimaryTool }
  | { kind: 'window'; index: number }
  | { kind: 'invert' }
  | { kind: 'rotate'; degrees: number }
  | { kind: 'flip'; axis: 'horizontal' | 'vertical' }
  | { kind: 'zoom'; factor: number }
  | { kind: 'fit' }
  | { kind: 'reset' }
  | { kind: 'scroll'; delta: number }
  | { kind: 'jump'; to: 'first' | 'last' }
  /** The next or previous viewport when several are shown, else the next or previous image. */
  | { kind: 'step'; delta: number }
  | { kind: 'series'; delta: number }
  | { kind: 'cine' }
  | { kind: 'keyImage' }
  | { kind: 'overlays' }
  | { kind: 'shortcuts' };

export interface Hotkey {
  readonly keys: readonly string[];
  readonly label: string;
  readonly command: ViewerCommand;
}

export const HOTKEYS: readonly Hotkey[] = [
  { keys: ['ArrowDown'], label: 'Next image / frame', command: { kind: 'scroll', delta: 1 } },
  { keys: ['ArrowUp'], label: 'Previous image / frame', command: { kind: 'scroll', delta: -1 } },
  { keys: ['ArrowRight'], label: 'Next viewport (one viewport: next image)', command: { kind: 'step', delta: 1 } },
  { keys: ['ArrowLeft'], label: 'Previous viewport (one viewport: previous image)', command: { kind: 'step', delta: -1 } },
  { keys: ['PageDown'], label: 'Next series of the study', command: { kind: 'series', delta: 1 } },
  { keys: ['PageUp'], label: 'Previous series of the study', command: { kind: 'series', delta: -1 } },
  { keys: ['Home'], label: 'First image', command: { kind: 'jump', to: 'first' } },
  { keys: ['End'], label: 'Last image', command: { kind: 'jump', to: 'last' } },
  { keys: [' '], label: 'Play / pause cine', command: { kind: 'cine' } },
  // One row for nine keys: commandForKey reads the index off the digit.
  { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], label: "Window 1–9 of the Window menu (CT: soft tissue, lung, liver, bone, brain; then the file's own windows, auto)", command: { kind: 'window', index: 0 } },
  { keys: ['i'], label: 'Invert', command: { kind: 'invert' } },
  { keys: ['r'], label: 'Rotate right 90°', command: { kind: 'rotate', degrees: 90 } },
  { keys: ['l'], label: 'Rotate left 90°', command: { kind: 'rotate', degrees: -90 } },
  { keys: ['h'], label: 'Flip horizontally', command: { kind: 'flip', axis: 'horizontal' } },
  { keys: ['v'], label: 'Flip vertically', command: { kind: 'flip', axis: 'vertical' } },
  { keys: ['+'], label: 'Zoom in', command: { kind: 'zoom', factor: 1.25 } },
  { keys: ['-'], label: 'Zoom out', command: { kind: 'zoom', factor: 0.8 } },
  { keys: ['='], label: 'Fit to the viewport', command: { kind: 'fit' } },
  { keys: ['0'], label: 'Reset the view (window, zoom, rotation, flips, invert)', command: { kind: 'reset' } },
  { keys: ['k'], label: 'Mark key image', command: { kind: 'keyImage' } },
  { keys: ['o'], label: 'Show / hide overlays', command: { kind: 'overlays' } },
  { keys: ['?'], label: 'Keyboard shortcuts', command: { kind: 'shortcuts' } },
  { keys: ['w'], label: 'Tool: window/level', command: { kind: 'tool', tool: 'windowLevel' } },
  { keys: ['p'], label: 'Tool: pan', command: { kind: 'tool', tool: 'pan' } },
  { keys: ['z'], label: 'Tool: zoom', command: { kind: 'tool', tool: 'zoom' } },
  { keys: ['s'], label: 'Tool: scroll', command: { kind: 'tool', tool: 'scroll' } },
  { keys: ['d'], label: 'Tool: length (distance)', command: { kind: 'tool', tool: 'length' } },
  { keys: ['a'], label: 'Tool: angle', command: { kind: 'tool', tool: 'angle' } },
  { keys: ['b'], label: 'Tool: rectangle ROI', command: { kind: 'tool', tool: 'rectangleRoi' } },
  { keys: ['e'], label: 'Tool: ellipse ROI', command: { kind: 'tool', tool: 'ellipseRoi' } },
];

/** Keys a focused control acts on itself: Space and Enter press a button, tick a box, open a summary. */
const ACTIVATING = new Set([' ', 'Enter']);
/** Keys that move within a focused slider, tab list, menu or scrollbar. */
const NAVIGATING = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageUp', 'PageDown', 'Home', 'End']);
const TYPING = 'input, textarea, select, [contenteditable=""], [contenteditable=true]';
const ACTIVATES = 'button, a[href], summary, [role=button], [role=tab], [role=menuitem], [role=checkbox], [role=radio], [role=switch], [role=option]';
const MOVES_WITHIN = '[role=slider], [role=scrollbar], [role=tab], [role=tablist], [role=menu], [role=menuitem], [role=listbox], [role=radiogroup]';

/**
 * The command a key press means, or undefined. Keys are never taken from a focused control that uses them itself:
 * nothing while typing in a field, not Space/Enter on a button (it presses the button), not arrows on a slider.
 */
export function commandForKey(e: KeyboardEvent): ViewerCommand | undefined {
  // Not e.defaultPrevented: Cornerstone's tools cancel every key's default on a focused viewport.
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  const t = e.target && typeof (e.target as Element).closest === 'function' ? (e.target as HTMLElement) : null;
  if (t?.closest(TYPING) || t?.isContentEditable) return undefined;
  if (ACTIVATING.has(e.key) && t?.closest(ACTIVATES)) return undefined;
  if (NAVIGATING.has(e.key) && t?.closest(MOVES_WITHIN)) return undefined;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (/^[1-9]$/.test(key)) return { kind: 'window', index: Number(key) - 1 };
  return HOTKEYS.find((h) => h.keys.includes(key))?.command;
}

/** How a key is written for people: "Space", "↑", "PgDn", "R". */
export function keyName(key: string): string {
  const names: Record<string, string> = { ' ': 'Space', ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→', PageUp: 'PgUp', PageDown: 'PgDn' };
  return names[key] ?? (key.length === 1 ? key.toUpperCase() : key);
}
