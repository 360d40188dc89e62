/** A progress bar with rate and ETA on stderr; on a non-terminal it prints a plain line every few seconds instead. */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

export function progressBar(label: string, total: number, unit: string, stream: NodeJS.WriteStream = process.stderr, startAt = 0): Progress {
  const started = Date.now();
  let last = 0;
  const render = (done: number, final: boolean) => {
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? (done - startAt) / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : NaN;
    const frac = total > 0 ? done / total : 1;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
    const line = `${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${unit}  ${rate.toFixed(1)} ${unit}/s  ${final ? `${secs.toFixed(1)}s` : `ETA ${formatSeconds(eta)}`}`;
    if (stream.isTTY) stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else stream.write(line + '\n');
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < (stream.isTTY ? 100 : 2000)) return;
      last = now;
      render(done, false);
    },
    finish() {
      render(total, true);
    },
  };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}
