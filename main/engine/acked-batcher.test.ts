import { describe, expect, it } from 'vitest';
import { AckedBatcher } from './acked-batcher.js';

describe('AckedBatcher', () => {
  it('sends at once while the receiver keeps up, batches while it lags, and keeps every event in order', () => {
    const sent: number[][] = [];
    let received = 0;
    const b = new AckedBatcher<number>((batch) => sent.push(batch), () => received);
    b.push(1);
    expect(sent).toEqual([[1]]);
    b.push(2); // message 1 not taken yet
    b.push(3);
    expect(sent).toEqual([[1]]);
    received = 1;
    b.push(4);
    expect(sent).toEqual([[1], [2, 3, 4]]);
    b.push(5);
    b.flush();
    b.flush(); // nothing left: no empty message
    expect(sent).toEqual([[1], [2, 3, 4], [5]]);
    received = 3;
    b.push(6);
    expect(sent.flat()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sent.at(-1)).toEqual([6]);
  });
});
