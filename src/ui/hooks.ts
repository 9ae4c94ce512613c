import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `fn` when `deps` change (aborting the previous run) and on `reload()`. */
export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    fnRef.current(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, error: undefined, loading: false }),
      (error: unknown) => !ac.signal.aborted && setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => ac.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The URL hash route: `#/dashboards/abc?x=1` → `['dashboards', 'abc']` and its params. */
export function useHashRoute(): { path: string[]; params: URLSearchParams } {
  const read = () => {
    const raw = window.location.hash.replace(/^#\/?/, '');
    const [p = '', q = ''] = raw.split('?');
    return { path: p.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  window.location.hash = hash;
}
