import { useEffect, useRef, useState } from 'react';
import type { ApiError } from '../lib/api.js';
import { api } from '../lib/api.js';
import type { LiveClient } from '../lib/live-client.js';
import { mergeTail, planTail, type PointsPush } from '../lib/live.js';
import type { QueryRequest, QueryResponse } from '../lib/types.js';

export interface PanelData {
  response: QueryResponse | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  /** When the data last changed (ms), and whether that was a live tail. */
  updatedAt: number;
  live: boolean;
}

/**
 * A panel's data: the whole query on load, on change and on each refresh tick; in live mode, each
 * push of the panel's metric asks only the tail (lib/live.ts) and merges it. Pushes arriving while
 * a tail is in flight are combined into one.
 */
export function usePanelData(q: QueryRequest, live: LiveClient | null, refreshMs: number | null, reloadTick = 0): PanelData {
  const key = JSON.stringify(q);
  const [state, setState] = useState<PanelData>({ response: undefined, error: undefined, loading: true, updatedAt: 0, live: false });
  const [tick, setTick] = useState(0);
  const current = useRef<QueryResponse | undefined>(undefined);

  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api.query(q, ac.signal).then(
      (response) => {
        if (ac.signal.aborted) return;
        current.current = response;
        setState({ response, error: undefined, loading: false, updatedAt: Date.now(), live: false });
      },
      (error: unknown) => {
        if (ac.signal.aborted) return;
        current.current = undefined;
        setState({ response: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false, updatedAt: Date.now(), live: false });
      },
    );
    return () => ac.abort();
    // The query is identified by its JSON; `q` itself changes identity on every render.
  }, [key, tick, reloadTick]);

  useEffect(() => {
    if (refreshMs === null || live !== null) return;
    const t = setInterval(() => setTick((x) => x + 1), refreshMs);
    return () => clearInterval(t);
  }, [refreshMs, live]);

  useEffect(() => {
    if (live === null) return;
    const query = JSON.parse(key) as QueryRequest;
    let busy = false;
    let pending: PointsPush | null = null;
    let stopped = false;
    const run = async (push: PointsPush): Promise<void> => {
      const plan = planTail(query, push);
      if (plan === null) return;
      busy = true;
      try {
        const tail = await api.query(plan.query);
        if (!stopped && current.current !== undefined) {
          current.current = mergeTail(current.current, tail, plan);
          const response = current.current;
          setState({ response, error: undefined, loading: false, updatedAt: Date.now(), live: true });
        }
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)) }));
      } finally {
        busy = false;
      }
      if (pending !== null && !stopped) {
        const next = pending;
        pending = null;
        await run(next);
      }
    };
    const unsubscribe = live.subscribe(query.metricName, (push) => {
      if (busy) {
        pending = pending === null ? push : { metric: push.metric, earliest: Math.min(pending.earliest, push.earliest), latest: Math.max(pending.latest, push.latest) };
        return;
      }
      void run(push);
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }, [key, live]);

  return state;
}
