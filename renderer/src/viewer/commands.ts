import type { PrimaryTool } from './engine.js';

/**
 * Everything the toolbar and the keyboard can ask of the viewer, in one list so hotkeys, buttons and the
 * help text cannot drift apart. Keys follow OHIF where it has one (1–4 presets, I invert, arrows scroll).
 */
export type ViewerCommand =
  | { kind: 'tool'; tool: PrimaryTool }
  | { kind: 'preset'; index: number }
  | { kind: 'invert' }
  | { kind: 'rotate'; degrees: number }
  | { kind: 'flip'; axis: 'horizontal' | 'vertical' }
  | { kind: 'zoom'; factor: number }
  | { kind: 'reset' }
  | { kind: 'scroll'; delta: number }
  | { kind: 'jump'; to: 'first' | 'last' }
  | { kind: 'cine' }
  | { kind: 'keyImage' };

export interface Hotkey {
  readonly keys: readonly string[];
  readonly label: string;
  readonly command: ViewerCommand;
}

export const HOTKEYS: readonly Hotkey[] = [
  { keys: ['1'], label: 'W/L preset: soft tissue', command: { kind: 'preset', index: 0 } },
  { keys: ['2'], label: 'W/L preset: lung', command: { kind: 'preset', index: 1 } },
  { keys: ['3'], label: 'W/L preset: bone', command: { kind: 'preset', index: 2 } },
  { keys: ['4'], label: 'W/L preset: brain', command: { kind: 'preset', index: 3 } },
  { keys: ['i'], label: 'Invert', command: { kind: 'invert' } },
  { keys: ['r'], label: 'Reset view', command: { kind: 'reset' } },
  { keys: [']'], label: 'Rotate right 90°', command: { kind: 'rotate', degrees: 90 } },
  { keys: ['['], label: 'Rotate left 90°', command: { kind: 'rotate', degrees: -90 } },
  { keys: ['h'], label: 'Flip horizontally', command: { kind: 'flip', axis: 'horizontal' } },
  { keys: ['v'], label: 'Flip vertically', command: { kind: 'flip', axis: 'vertical' } },
  { keys: ['+', '='], label: 'Zoom in', command: { kind: 'zoom', factor: 1.25 } },
  { keys: ['-'], label: 'Zoom out', command: { kind: 'zoom', factor: 0.8 } },
  { keys: ['ArrowDown', 'ArrowRight', 'PageDown'], label: 'Next image / frame', command: { kind: 'scroll', delta: 1 } },
  { keys: ['ArrowUp', 'ArrowLeft', 'PageUp'], label: 'Previous image / frame', command: { kind: 'scroll', delta: -1 } },
  { keys: ['Home'], label: 'First image', command: { kind: 'jump', to: 'first' } },
  { keys: ['End'], label: 'Last image', command: { kind: 'jump', to: 'last' } },
  { keys: [' '], label: 'Play / pause cine', command: { kind: 'cine' } },
  { keys: ['k'], label: 'Mark key image', command: { kind: 'keyImage' } },
  { keys: ['w'], label: 'Tool: window/level', command: { kind: 'tool', tool: 'windowLevel' } },
  { keys: ['p'], label: 'Tool: pan', command: { kind: 'tool', tool: 'pan' } },
  { keys: ['z'], label: 'Tool: zoom', command: { kind: 'tool', tool: 'zoom' } },
  { keys: ['s'], label: 'Tool: scroll', command: { kind: 'tool', tool: 'scroll' } },
  { keys: ['l'], label: 'Tool: length', command: { kind: 'tool', tool: 'length' } },
  { keys: ['a'], label: 'Tool: angle', command: { kind: 'tool', tool: 'angle' } },
  { keys: ['b'], label: 'Tool: rectangle ROI', command: { kind: 'tool', tool: 'rectangleRoi' } },
  { keys: ['e'], label: 'Tool: ellipse ROI', command: { kind: 'tool', tool: 'ellipseRoi' } },
];

/** The command a key press means, or undefined; typing in inputs and modified keys never count. */
export function commandForKey(e: KeyboardEvent): ViewerCommand | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  const t = e.target as HTMLElement | null;
  if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return undefined;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return HOTKEYS.find((h) => h.keys.includes(key))?.command;
}
