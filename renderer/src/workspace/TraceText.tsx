import { memo, useLayoutEffect, useRef } from 'react';

const TAG = /(<\/?(?:think|query|retrieve|answer)>)/;

/**
 * Streamed text: the reasoning as read (tags already taken out), or with `raw` the model's own output with the
 * protocol's tags set apart. The box keeps its newest line in view while the text grows (unless the reader scrolled
 * up to read).
 */
export const TraceText = memo(function TraceText({ text, round, raw = false }: { text: string; round: number; raw?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <div
      ref={box}
      className={raw ? 'trace-text raw' : 'trace-text'}
      data-testid={raw ? 'trace-text' : 'reasoning-text'}
      data-round={round}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
      }}
    >
      {(raw ? text.split(TAG) : [text]).map((part, i) =>
        i % 2 === 1 ? (
          <span key={i} className="trace-tag">
            {part}
          </span>
        ) : (
          part
        ),
      )}
    </div>
  );
});
