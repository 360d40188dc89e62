import { useRef, type PointerEvent } from 'react';

/**
 * A vertical scrollbar for a stack: the thumb's place is the image's place in the stack; a click or a drag anywhere
 * on the track goes to the image at that height, so every slice of a long series is one gesture away.
 */
export function StackScrollbar({ index, total, onChange, label }: { index: number; total: number; onChange: (index: number) => void; label: string }) {
  const track = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);
  const at = (e: PointerEvent) => {
    const r = track.current!.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (e.clientY - r.top) / r.height));
    return Math.round(f * (total - 1));
  };
  const go = (e: PointerEvent) => {
    const next = at(e);
    if (next !== index) onChange(next);
  };
  const thumb = Math.max(4, 100 / total);
  return (
    <div
      ref={track}
      className="stack-scrollbar"
      role="scrollbar"
      aria-label={label}
      aria-orientation="vertical"
      aria-valuemin={1}
      aria-valuemax={total}
      aria-valuenow={index + 1}
      data-testid="stack-scrollbar"
      onPointerDown={(e) => {
        e.stopPropagation();
        e.currentTarget.setPointerCapture(e.pointerId);
        dragging.current = true;
        go(e);
      }}
      onPointerMove={(e) => dragging.current && go(e)}
      onPointerUp={(e) => {
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onPointerCancel={() => (dragging.current = false)}
    >
      <div className="stack-scrollbar-thumb" style={{ top: `${total > 1 ? (index / (total - 1)) * (100 - thumb) : 0}%`, height: `${thumb}%` }} />
    </div>
  );
}
