/**
 * A single-consumer async stream fed by callbacks: `push` items as they come, then `end()` or `fail(err)`. The consumer
 * iterates with `for await`; `onStop` runs if it stops listening before the end (used to cancel decoding).
 */
export function pushStream<T>(onStop: () => void = () => {}) {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  let finished = false;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const iterable: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          if (queue.length) {
            yield queue.shift()!;
            continue;
          }
          if (failure) throw failure;
          if (finished) return;
          await new Promise<void>((r) => (wake = r));
        }
      } finally {
        if (!finished) onStop();
      }
    },
  };
  return {
    iterable,
    push(item: T) {
      queue.push(item);
      poke();
    },
    end() {
      finished = true;
      poke();
    },
    fail(err: Error) {
      failure = err;
      finished = true;
      poke();
    },
  };
}
