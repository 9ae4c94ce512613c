import type { PointsPush } from './live.js';
import { SseParser } from './sse.js';

export type PushListener = (push: PointsPush) => void;

/**
 * One live stream per page (`GET /api/v1/live`), read with fetch so the token travels in the
 * Authorization header. Panels subscribe per metric; the stream is reopened (after a short pause)
 * when the set of metrics changes or the connection drops.
 */
export class LiveClient {
  #listeners = new Map<string, Set<PushListener>>();
  #abort: AbortController | null = null;
  #metricsKey = '';
  #retry: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #state: 'connecting' | 'open' | 'down' = 'down';
  onState: (state: 'connecting' | 'open' | 'down') => void = () => {};

  constructor(private readonly headers: () => Record<string, string>) {}

  get state(): 'connecting' | 'open' | 'down' {
    return this.#state;
  }

  subscribe(metric: string, listener: PushListener): () => void {
    let set = this.#listeners.get(metric);
    if (set === undefined) this.#listeners.set(metric, (set = new Set()));
    set.add(listener);
    this.#schedule();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(metric);
      this.#schedule();
    };
  }

  close(): void {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#abort?.abort();
  }

  #setState(s: 'connecting' | 'open' | 'down'): void {
    this.#state = s;
    this.onState(s);
  }

  /** Reconnects on the next tick when the watched metrics changed (many panels subscribe at once). */
  #schedule(): void {
    if (this.#closed) return;
    const key = [...this.#listeners.keys()].sort().join(',');
    if (key === this.#metricsKey && this.#abort !== null) return;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#connect(), 0);
  }

  async #connect(): Promise<void> {
    this.#retry = null;
    this.#abort?.abort();
    const metrics = [...this.#listeners.keys()].sort();
    this.#metricsKey = metrics.join(',');
    if (metrics.length === 0 || this.#closed) {
      this.#abort = null;
      this.#setState('down');
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    this.#setState('connecting');
    try {
      const res = await fetch(`/api/v1/live?metrics=${encodeURIComponent(this.#metricsKey)}`, { headers: { accept: 'text/event-stream', ...this.headers() }, signal: abort.signal });
      if (!res.ok || res.body === null) throw new Error(`live stream answered ${res.status}`);
      const parser = new SseParser();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const m of parser.feed(value)) {
          if (m.event === 'ready') this.#setState('open');
          if (m.event !== 'points') continue;
          const push = JSON.parse(m.data) as PointsPush;
          for (const l of this.#listeners.get(push.metric) ?? []) l(push);
        }
      }
    } catch {
      // aborted, or the connection dropped: retried below unless replaced or closed
    }
    if (this.#abort !== abort || this.#closed) return;
    this.#abort = null;
    this.#setState('down');
    this.#retry = setTimeout(() => void this.#connect(), 2_000);
  }
}
