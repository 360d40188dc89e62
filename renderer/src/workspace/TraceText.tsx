import { memo, useLayoutEffect, useRef } from 'react';

const TAG = /(<\/?(?:think|query|retrieve|answer)>)/;

/**
 * Streamed model text with the protocol's tags set apart, so the reader sees where thinking, queries and answers
 * are. The box keeps its newest line in view while the text grows (unless the reader scrolled up to read).
 */
export const TraceText = memo(function TraceText({ text, round }: { text: string; round: number }) {
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <div
      ref={box}
      className="trace-text"
      data-testid="trace-text"
      data-round={round}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
      }}
    >
      {text.split(TAG).map((part, i) =>
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
