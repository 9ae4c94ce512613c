import type { BusEvent, EventBus } from '../cluster/index.js';

/** What a live stream receives: "metric M got points from `earliest` to `latest`" (unix ms). */
export interface LiveEvent {
  metric: string;
  earliest: number;
  latest: number;
}

export interface LiveHubOptions {
  bus: EventBus;
  /** At most one push per (tenant, metric) per this many ms. */
  coalesceMs: number;
  now?: () => number;
}

interface Topic {
  subscribers: Set<(e: LiveEvent) => void>;
  /** Points announced but not pushed yet. */
  pending: LiveEvent | undefined;
  timer: NodeJS.Timeout | undefined;
  lastPush: number;
}

/**
 * The web role's side of the event bus (DESIGN decision 4): one bus subscription for the process,
 * fanned out to the live streams of each (tenant, metric). Flushes come every few milliseconds
 * under load; a topic pushes at most once per `coalesceMs`, announcing the span of everything
 * stored since its last push, so every page of a topic receives the same events (and asks the
 * same tail queries, which the querier then shares).
 */
export class LiveHub {
  readonly #topics = new Map<string, Topic>();
  readonly #coalesceMs: number;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;

  constructor(opts: LiveHubOptions) {
    this.#coalesceMs = opts.coalesceMs;
    this.#now = opts.now ?? Date.now;
    this.#unsubscribe = opts.bus.subscribe((e) => this.#onEvent(e));
  }

  /** Subscribes to metrics of one tenant; returns the unsubscribe function. */
  subscribe(tenant: string, metrics: readonly string[], send: (e: LiveEvent) => void): () => void {
    const keys = metrics.map((m) => tenant + '\u0000' + m);
    for (const k of keys) {
      let t = this.#topics.get(k);
      if (t === undefined) this.#topics.set(k, (t = { subscribers: new Set(), pending: undefined, timer: undefined, lastPush: 0 }));
      t.subscribers.add(send);
    }
    return () => {
      for (const k of keys) {
        const t = this.#topics.get(k);
        if (t === undefined) continue;
        t.subscribers.delete(send);
        if (t.subscribers.size === 0) {
          clearTimeout(t.timer);
          this.#topics.delete(k);
        }
      }
    };
  }

  close(): void {
    this.#unsubscribe();
    for (const t of this.#topics.values()) clearTimeout(t.timer);
    this.#topics.clear();
  }

  #onEvent(e: BusEvent): void {
    const t = this.#topics.get(e.tenant + '\u0000' + e.metric);
    if (t === undefined) return; // nobody watches: nothing to do
    const p = t.pending;
    t.pending =
      p === undefined
        ? { metric: e.metric, earliest: e.earliest, latest: e.latest }
        : { metric: e.metric, earliest: Math.min(p.earliest, e.earliest), latest: Math.max(p.latest, e.latest) };
    if (t.timer !== undefined) return;
    const wait = Math.max(0, t.lastPush + this.#coalesceMs - this.#now());
    t.timer = setTimeout(() => this.#push(t), wait);
    t.timer.unref();
  }

  #push(t: Topic): void {
    t.timer = undefined;
    const e = t.pending;
    if (e === undefined) return;
    t.pending = undefined;
    t.lastPush = this.#now();
    for (const send of t.subscribers) send(e);
  }
}
