import { randomUUID } from 'node:crypto';
import type { EventBus, WriteQueue, WriteQueueStats } from '../cluster/index.js';
import type { NewSeries, WriteBatch } from '../ingest/index.js';
import { storageErrors } from './errors.js';
import { errorMessage, type Store } from './store.js';

export interface WriteBufferOptions {
  store: Store;
  bus: EventBus;
  /** Start a flush once this many points wait. @default 100_000 (batch_write.flush_max_points) */
  flushMaxPoints: number;
  /** Start a flush this long after the first point arrived. @default 100 (batch_write.flush_interval) */
  flushIntervalMs: number;
  /** Refuse writes (503) past this many buffered + in-flight points. @default 2_000_000 (batch_write.max_buffered_points) */
  maxBufferedPoints: number;
  /** Insert attempts before waiting requests get 503. @default 4 (batch_write.flush_attempts) */
  flushAttempts: number;
  /** First retry delay; each next one is 4× longer. @default 100 */
  retryBaseMs: number;
  onFlush?: (info: { points: number; requests: number; series: number; seriesMs: number; ms: number; attempts: number }) => void;
  onError?: (err: unknown, attempt: number) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Group {
  batches: WriteBatch[];
  waiters: Waiter[];
  points: number;
}

function emptyGroup(): Group {
  return { batches: [], waiters: [], points: 0 };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Group commit (DESIGN decision 3): requests wait while their points join a shared buffer; one
 * flush inserts everyone's points and then answers them all. At most one flush runs at a time and
 * whatever arrives meanwhile forms the next group. A flush starts once `flushIntervalMs` has
 * passed since the previous flush *started*, sooner the fuller the waiting group is — with half of
 * `flushMaxPoints` waiting after half the interval, with all of them at once (the time elapsed
 * and the points waiting share one budget: elapsed/interval + waiting/max ≥ 1). Under load
 * flushes run back to back (each group is what arrived during the previous insert), a lone write
 * on an idle server is inserted at once, the engine never sees more than one insert per interval
 * from a trickle, and senders with a few large requests in flight are not held for the whole
 * interval when their group is already a large part (docs/benchmarks.md, "Group commit"). A request is answered only after its points are inserted, so an acknowledged point
 * survives `kill -9`. Memory is bounded by `maxBufferedPoints`.
 */
export class WriteBuffer implements WriteQueue {
  readonly #o: WriteBufferOptions;
  #pending: Group = emptyGroup();
  #inflightPoints = 0;
  #flushing: Promise<void> | null = null;
  #due = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #flushes = 0;
  #lastFlushStart = -Infinity;
  /** When the armed timer fires (performance.now() ms), to move it earlier as the group grows. */
  #timerAt = Infinity;

  constructor(options: WriteBufferOptions) {
    this.#o = options;
  }

  enqueue(batch: WriteBatch): Promise<void> {
    if (this.#closed) {
      return Promise.reject(storageErrors.create('SHUTTING_DOWN', 'server is shutting down; retry against another instance or after restart'));
    }
    if (batch.points === 0) return Promise.resolve();
    const total = this.#pending.points + this.#inflightPoints + batch.points;
    if (total > this.#o.maxBufferedPoints) {
      return Promise.reject(
        storageErrors.create('BUFFER_FULL', `write buffer is full (${this.#o.maxBufferedPoints} points); retry shortly`, {
          max_buffered_points: this.#o.maxBufferedPoints,
          retry_after_seconds: 1,
        }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const g = this.#pending;
      g.batches.push(batch);
      g.waiters.push({ resolve, reject });
      g.points += batch.points;
      this.#schedule();
    });
  }

  stats(): WriteQueueStats {
    return { bufferedPoints: this.#pending.points, inflightPoints: this.#inflightPoints, flushes: this.#flushes };
  }

  /** Stops accepting writes and flushes everything buffered; resolves when it is stored. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pending.points > 0) this.#kick();
    while (this.#flushing !== null) await this.#flushing;
  }

  /** Flush now if allowed, else make sure a timer fires when it is. */
  #schedule(): void {
    if (this.#flushing !== null || this.#pending.points === 0) return; // the drain loop decides
    const at = this.#dueAt(this.#pending.points);
    if (at <= performance.now()) this.#kick();
    else this.#arm(at);
  }

  /**
   * When a group of `points` may start its flush: the interval after the previous flush's start,
   * shortened in proportion to how full the group is (at `flushMaxPoints`, at once).
   */
  #dueAt(points: number): number {
    const fill = Math.min(1, points / this.#o.flushMaxPoints);
    return this.#lastFlushStart + this.#o.flushIntervalMs * (1 - fill);
  }

  /** A timer that kicks at `at`; an armed one is moved only when `at` is ≥ 1 ms earlier. */
  #arm(at: number): void {
    if (this.#timer !== null) {
      if (at > this.#timerAt - 1) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#kick(), Math.max(0, Math.ceil(at - performance.now())));
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  #kick(): void {
    this.#disarm();
    this.#due = true;
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = null;
      // A write may have arrived between the loop's last check and here.
      this.#schedule();
    });
  }

  async #drain(): Promise<void> {
    while (this.#due && this.#pending.points > 0) {
      this.#due = false;
      const group = this.#pending;
      this.#pending = emptyGroup();
      this.#inflightPoints = group.points;
      this.#lastFlushStart = performance.now();
      try {
        await this.#flush(group);
      } finally {
        this.#inflightPoints = 0;
      }
      // What arrived during the flush goes next: at once on close or when its budget is spent
      // (#dueAt), otherwise by a timer that later writes may move earlier (#schedule).
      const p = this.#pending;
      if (p.points === 0) continue;
      this.#disarm();
      const at = this.#dueAt(p.points);
      this.#due = this.#closed || at <= performance.now();
      if (!this.#due) this.#arm(at);
    }
  }

  async #flush(group: Group): Promise<void> {
    const started = performance.now();
    const token = randomUUID();
    const series = dedupeSeries(group.batches);
    const chunks = group.batches.map((b) => b.samples);
    let attempt = 0;
    let seriesMs: number;
    for (;;) {
      attempt++;
      try {
        const t = performance.now();
        await this.#o.store.insertSeries(series);
        seriesMs = performance.now() - t;
        await this.#o.store.insertSamples(chunks, token);
        break;
      } catch (err) {
        this.#o.onError?.(err, attempt);
        if (attempt >= this.#o.flushAttempts) {
          const e = storageErrors.create('STORAGE_UNAVAILABLE', `storage did not accept the write after ${attempt} attempts: ${errorMessage(err)}`, { attempts: attempt }, err);
          for (const w of group.waiters) w.reject(e);
          return;
        }
        await sleep(this.#o.retryBaseMs * 4 ** (attempt - 1));
      }
    }
    this.#flushes++;
    for (const w of group.waiters) w.resolve();
    this.#o.onFlush?.({ points: group.points, requests: group.waiters.length, series: series.length, seriesMs, ms: performance.now() - started, attempts: attempt });
    publishSpans(this.#o.bus, group.batches);
  }
}

function dedupeSeries(batches: readonly WriteBatch[]): NewSeries[] {
  const seen = new Set<string>();
  const out: NewSeries[] = [];
  for (const b of batches) {
    for (const s of b.newSeries) {
      if (seen.has(s.seriesId)) continue;
      seen.add(s.seriesId);
      out.push(s);
    }
  }
  return out;
}

/** One event per (tenant, metric) per flush, however many requests carried it. */
function publishSpans(bus: EventBus, batches: readonly WriteBatch[]): void {
  const events = new Map<string, { tenant: string; metric: string; earliest: number; latest: number }>();
  for (const b of batches) {
    for (const [metric, span] of b.spans) {
      const k = b.tenant + '\u0000' + metric;
      const cur = events.get(k);
      if (cur === undefined) events.set(k, { tenant: b.tenant, metric, earliest: span.earliest, latest: span.latest });
      else {
        cur.latest = Math.max(cur.latest, span.latest);
        cur.earliest = Math.min(cur.earliest, span.earliest);
      }
    }
  }
  for (const e of events.values()) bus.publish({ type: 'points', ...e });
}
