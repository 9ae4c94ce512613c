import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createInProcessEventBus } from '../cluster/index.js';
import type { NewSeries, WriteBatch } from '../ingest/index.js';
import type { Store } from './store.js';
import { WriteBuffer, type WriteBufferOptions } from './write-buffer.js';

/**
 * The scheduling and acknowledgement rules of group commit, on a virtual clock. The engine side
 * is a recorder with a controllable insert time (the real inserts are covered by the integration
 * tests, e.g. test/integration/durability.test.ts); what is under test is when flushes start,
 * what they carry and when writers are answered.
 */
interface Insert {
  at: number;
  points: number;
  token: string;
}

function recorder(insertMs: () => number, fail: () => boolean = () => false) {
  const inserts: Insert[] = [];
  const attempts: string[] = [];
  const store = {
    insertSeries: async (_series: readonly NewSeries[]) => {},
    insertSamples: async (blocks: readonly Buffer[], token: string) => {
      const at = performance.now();
      attempts.push(token);
      await new Promise((r) => setTimeout(r, insertMs()));
      if (fail()) throw new Error('engine said no');
      inserts.push({ at, points: blocks.reduce((n, b) => n + b.readUInt32LE(0), 0), token });
    },
  } as unknown as Store;
  return { store, inserts, attempts };
}

function batch(points: number): WriteBatch {
  const samples = Buffer.alloc(4);
  samples.writeUInt32LE(points, 0);
  return { tenant: 't', points, samples, newSeries: [], spans: new Map([['m', { earliest: 1, latest: 2 }]]) };
}

function buffer(store: Store, o: Partial<WriteBufferOptions> = {}): WriteBuffer {
  return new WriteBuffer({ store, bus: createInProcessEventBus(), flushMaxPoints: 100_000, flushIntervalMs: 100, maxBufferedPoints: 1_000_000, flushAttempts: 3, retryBaseMs: 100, ...o });
}

describe('WriteBuffer (group commit)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('inserts a lone write on an idle server at once and answers only after the insert', async () => {
    const { store, inserts } = recorder(() => 20);
    const q = buffer(store);
    let done = false;
    const t0 = performance.now();
    const p = q.enqueue(batch(10)).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(inserts.length).toBe(0); // the insert is running
    await vi.advanceTimersByTimeAsync(19);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(inserts.map((x) => [x.at, x.points])).toEqual([[t0, 10]]);
    expect(inserts[0]!.token).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('holds a trickle to one insert per interval, measured from the previous start', async () => {
    const { store, inserts } = recorder(() => 10);
    const q = buffer(store);
    const t0 = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      writes.push(q.enqueue(batch(1)));
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all(writes);
    expect(inserts.map((x) => x.at - t0)).toEqual([0, 100, 200, 300]);
    expect(inserts.map((x) => x.points)).toEqual([1, 9, 10, 10]); // writes at 10…90, 100…190, 200…290
  });

  it('starts a fuller group sooner: half of flush_max_points waits half the interval, all of it none', async () => {
    const { store, inserts } = recorder(() => 10);
    const q = buffer(store);
    const t0 = performance.now();
    const writes = [q.enqueue(batch(1))]; // flush at 0, ends at 10
    await vi.advanceTimersByTimeAsync(20);
    writes.push(q.enqueue(batch(25_000))); // due at 75
    await vi.advanceTimersByTimeAsync(10);
    writes.push(q.enqueue(batch(25_000))); // 50,000 waiting: due at 50
    await vi.advanceTimersByTimeAsync(15);
    expect(inserts.length).toBe(1); // t = 45: still waiting
    await vi.advanceTimersByTimeAsync(25); // t = 70: the second flush (50 → 60) has ended
    expect(inserts.map((x) => x.at - t0)).toEqual([0, 50]);
    writes.push(q.enqueue(batch(100_000))); // a full group: at once, though 20 ms after the last start
    await vi.advanceTimersByTimeAsync(15);
    await Promise.all(writes);
    expect(inserts.map((x) => x.at - t0)).toEqual([0, 50, 70]);
    expect(inserts.map((x) => x.points)).toEqual([1, 50_000, 100_000]);
  });

  it('runs one flush at a time; what arrives meanwhile is the next group, started when its budget is spent', async () => {
    const { store, inserts } = recorder(() => 150);
    const q = buffer(store);
    const t0 = performance.now();
    const writes = [q.enqueue(batch(1))];
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(20);
      writes.push(q.enqueue(batch(1_000)));
    }
    expect(q.stats()).toEqual({ bufferedPoints: 5_000, inflightPoints: 1, flushes: 0 });
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all(writes);
    // The first insert took longer than the interval: the second group starts as it ends.
    expect(inserts.map((x) => [x.at - t0, x.points])).toEqual([
      [0, 1],
      [150, 5_000],
    ]);
    expect(q.stats().flushes).toBe(2);
  });

  it('retries a failed insert with the same token and rejects the group after the last attempt', async () => {
    let failures = 2;
    const { store, inserts, attempts } = recorder(
      () => 1,
      () => failures-- > 0,
    );
    const q = buffer(store);
    const ok = q.enqueue(batch(5));
    await vi.advanceTimersByTimeAsync(1 + 100 + 1 + 400 + 1);
    await ok;
    expect(inserts.length).toBe(1);
    expect(attempts.length).toBe(3);
    expect(new Set(attempts).size).toBe(1); // the engine can drop a block it already stored

    const { store: bad } = recorder(
      () => 1,
      () => true,
    );
    const q2 = buffer(bad, { flushAttempts: 2 });
    const rejected = q2.enqueue(batch(5)).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await rejected).toMatchObject({ code: 'STORAGE_UNAVAILABLE', details: { attempts: 2 } });
  });

  it('refuses a write past max_buffered_points with BUFFER_FULL, counting the points in flight', async () => {
    const { store } = recorder(() => 50);
    const q = buffer(store, { maxBufferedPoints: 1_000 });
    const first = q.enqueue(batch(800));
    await vi.advanceTimersByTimeAsync(0); // in flight now
    await expect(q.enqueue(batch(300))).rejects.toMatchObject({ code: 'BUFFER_FULL', details: { max_buffered_points: 1_000, retry_after_seconds: 1 } });
    const second = q.enqueue(batch(200));
    await vi.advanceTimersByTimeAsync(200);
    await Promise.all([first, second]);
  });

  it('flushes what waits on close and then refuses new writes', async () => {
    const { store, inserts } = recorder(() => 5);
    const q = buffer(store);
    const a = q.enqueue(batch(1));
    await vi.advanceTimersByTimeAsync(10);
    const b = q.enqueue(batch(2)); // would wait ~90 ms
    const closed = q.close();
    await vi.advanceTimersByTimeAsync(10);
    await Promise.all([a, b, closed]);
    expect(inserts.map((x) => x.points)).toEqual([1, 2]);
    await expect(q.enqueue(batch(1))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
