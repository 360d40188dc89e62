import { describe, expect, it } from 'vitest';
import { getters, Lifecycle, ShuttingDown } from './services.js';

describe('the lifecycle of the composed services', () => {
  it('builds a service on first use, once, after the services it uses', () => {
    const life = new Lifecycle();
    const built: string[] = [];
    const db = life.slot(() => (built.push('db'), { name: 'db' }));
    const store = life.slot(() => (db(), built.push('store'), { name: 'store' }));
    expect(built).toEqual([]);
    expect(store()).toBe(store());
    expect(built).toEqual(['db', 'store']);
  });

  it('drains work in flight first, then closes the rest in the reverse of the declared order, whatever order they were built in', async () => {
    const life = new Lifecycle();
    const closed: string[] = [];
    const slot = (name: string, drain = false) => life.slot(() => name, () => void closed.push(name), { drain });
    const db = slot('db');
    const engine = slot('engine');
    const runs = slot('runs', true);
    const unused = slot('never built');
    // Built in an order unlike the declared one: the engine lazily, during the first run.
    runs();
    engine();
    db();
    await life.close();
    expect(closed).toEqual(['runs', 'engine', 'db']);
    expect(() => unused()).toThrow(ShuttingDown);
  });

  it('refuses new work once shutdown has begun, and a second close waits for the first', async () => {
    const life = new Lifecycle();
    let release!: () => void;
    const slow = life.slot(() => 'runs', () => new Promise<void>((r) => (release = r)), { drain: true });
    slow();
    const first = life.close();
    expect(life.closing).toBe(true);
    expect(() => slow()).toThrow(ShuttingDown);
    let secondDone = false;
    const second = life.close().then(() => (secondDone = true));
    await new Promise((r) => setImmediate(r));
    expect(secondDone).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
  });

  it('gives typed fields that read their slots', () => {
    const life = new Lifecycle();
    let builds = 0;
    const fields = getters({ answer: life.slot(() => (builds++, 42)) });
    expect(builds).toBe(0);
    expect(fields.answer + fields.answer).toBe(84);
    expect(builds).toBe(1);
  });
});
