import { describe, expect, it } from 'vitest';
import type { AppEvent, CaseDetail } from '../../../main/api/index.js';
import type { Client } from '../transport/client.js';
import { RunEvents, type RunUpdate } from './runEvents.js';

/** A client whose events the test pushes and whose `cases.get` answers with a stored case naming the run's status. */
function testClient(status: string) {
  const listeners = new Set<(e: AppEvent) => void>();
  const reads: string[] = [];
  const client = {
    transport: 'web',
    onEvent(l: (e: AppEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async call(method: string, params: { caseId: string }) {
      reads.push(`${method} ${params.caseId}`);
      return { runs: [{ id: 'r1', status, events: [] }] } as unknown as CaseDetail;
    },
  } as unknown as Client;
  return { client, reads, push: (e: AppEvent) => listeners.forEach((l) => l(e)) };
}

const token = (taskId: string, seq: number): AppEvent => ({ taskId, seq, at: seq, type: 'token', round: 0, text: `t${seq}`, tokenId: seq, logprob: 0 });
const done = (taskId: string, seq: number): AppEvent => ({ taskId, seq, at: seq, type: 'done', status: 'completed' });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('run events', () => {
  it('replays what arrived before the run was followed, then streams its own events only', () => {
    const { client, push } = testClient('running');
    const events = new RunEvents(client);
    push(token('r1', 1));
    push(token('other', 1));
    const got: RunUpdate[] = [];
    const stop = events.follow('r1', 'c1', (u) => got.push(u));
    push(token('r1', 2));
    push(token('other', 2));
    stop();
    push(token('r1', 3));
    expect(got.map((u) => (u.kind === 'event' ? `${u.event.taskId}:${u.event.seq}` : u.kind))).toEqual(['r1:1', 'r1:2']);
  });

  it('re-reads the stored case once the run is done, and delivers nothing after stop', async () => {
    const { client, push, reads } = testClient('completed');
    const events = new RunEvents(client);
    const got: RunUpdate[] = [];
    const stop = events.follow('r1', 'c1', (u) => got.push(u));
    push(done('r1', 1));
    await settle();
    expect(reads).toEqual(['cases.get c1']);
    expect(got.map((u) => u.kind)).toEqual(['event', 'stored']);
    push(done('r1', 2));
    stop();
    await settle();
    expect(got).toHaveLength(3); // the second done, but not its re-read: the follower stopped first
  });
});
