import { useEffect, useMemo, useState } from 'react';
import { ErrorBox } from '../components/ErrorBox.js';
import { Empty, PanelView } from '../components/PanelView.js';
import { QueryEditor } from '../components/QueryEditor.js';
import { TimeRangePicker } from '../components/TimeRangePicker.js';
import { usePanelData } from '../components/usePanelData.js';
import { navigate } from '../hooks.js';
import { api } from '../lib/api.js';
import { effectiveQuery } from '../lib/panel-query.js';
import type { TimeRange } from '../lib/time.js';
import type { Dashboard, PanelQuery } from '../lib/types.js';

const START: PanelQuery = { queryType: 'aggregate', metricName: '', aggregation: 'avg', timeRange: { relative: '1h' } };

/** The explorer's query lives in the URL (`#/explore?q=…`), so a view can be shared and reloaded. */
function fromUrl(params: URLSearchParams): PanelQuery {
  try {
    const q = params.get('q');
    return q ? (JSON.parse(q) as PanelQuery) : START;
  } catch {
    return START;
  }
}

export function Explorer({ params }: { params: URLSearchParams }) {
  const [query, setQuery] = useState<PanelQuery>(() => fromUrl(params));
  const [view, setView] = useState<'chart' | 'table'>('chart');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    const h = `#/explore?q=${encodeURIComponent(JSON.stringify(query))}`;
    if (window.location.hash !== h) window.history.replaceState(null, '', h);
  }, [query]);
  const ready = query.metricName !== '';
  const type = view === 'chart' ? 'timeseries' : 'table';
  const run = useMemo(() => effectiveQuery({ type, query }, undefined, {}), [query, type]);
  const json = JSON.stringify(run, null, 2);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(json);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // clipboard refused (insecure context): the JSON is selectable below
    }
  };

  return (
    <div className="page explorer">
      <header className="page-head">
        <h1>Explore</h1>
        <TimeRangePicker value={query.timeRange} onChange={(timeRange: TimeRange) => setQuery({ ...query, timeRange })} />
      </header>
      <section className="card">
        <QueryEditor query={query} onChange={setQuery} />
      </section>
      <section className="card result">
        <div className="toolbar">
          <div className="segmented" role="group" aria-label="View">
            <button type="button" aria-pressed={view === 'chart'} onClick={() => setView('chart')}>
              Chart
            </button>
            <button type="button" aria-pressed={view === 'table'} onClick={() => setView('table')}>
              Table
            </button>
          </div>
          {ready && <AddToDashboard query={query} type={type} />}
        </div>
        {ready ? <Result query={run} type={type} /> : <Empty text="Pick a metric to see its data." />}
      </section>
      <section className="card">
        <div className="toolbar">
          <h2>JSON query</h2>
          <button type="button" onClick={() => void copy()} data-testid="copy-json">
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
        <pre className="json" data-testid="query-json">
          {json}
        </pre>
        <p className="muted small">POST it to /api/v1/query to get the same answer.</p>
      </section>
    </div>
  );
}

function Result({ query, type }: { query: ReturnType<typeof effectiveQuery>; type: 'timeseries' | 'table' }) {
  const data = usePanelData(query, null, null);
  return (
    <div className="result-body" data-testid="result" data-state={data.error ? 'error' : data.loading && !data.response ? 'loading' : 'ready'} data-points={data.response?.results.length ?? 0}>
      {data.error ? <ErrorBox error={data.error} /> : data.response ? <PanelView type={type} response={data.response} metric={query.metricName} /> : <div className="loading">Loading…</div>}
      {data.response && (
        <p className="muted small">
          {data.response.results.length.toLocaleString('en-US')} results in {data.response.executionTimeMs} ms
          {'resolution' in data.response && data.response.resolution !== 'raw' ? ` · from the ${data.response.resolution} rollup` : ''}
        </p>
      )}
    </div>
  );
}

function AddToDashboard({ query, type }: { query: PanelQuery; type: 'timeseries' | 'table' }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<{ id: string; title: string }[]>([]);
  const [target, setTarget] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (!open) return;
    api.dashboards().then((d) => setList(d), (e: unknown) => setError(e as Error));
  }, [open]);
  const add = async () => {
    setError(null);
    try {
      const panelTitle = `${query.queryType === 'aggregate' ? (query.aggregation ?? 'avg') + ' of ' : query.queryType === 'rate' ? 'rate of ' : ''}${query.metricName}`;
      const { timeRange: _t, ...panelQuery } = query;
      let d: Dashboard;
      if (target === '') {
        d = await api.createDashboard({ title: title.trim() || panelTitle, timeRange: query.timeRange ?? { relative: '1h' }, panels: [] });
      } else {
        d = await api.dashboard(target);
      }
      const y = Math.max(0, ...d.panels.map((p) => (p.gridPosition ? p.gridPosition.y + p.gridPosition.h : 0)));
      let n = d.panels.length + 1;
      while (d.panels.some((p) => p.id === `panel_${n}`)) n++;
      d.panels.push({ id: `panel_${n}`, title: panelTitle, type, gridPosition: { x: 0, y, w: 12, h: 4 }, query: panelQuery });
      await api.saveDashboard(d);
      navigate(`#/dashboards/${encodeURIComponent(d.id)}`);
    } catch (e) {
      setError(e as Error);
    }
  };
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)} data-testid="add-to-dashboard">
        Add to dashboard
      </button>
    );
  return (
    <span className="inline-form">
      <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Dashboard">
        <option value="">New dashboard…</option>
        {list.map((d) => (
          <option key={d.id} value={d.id}>
            {d.title}
          </option>
        ))}
      </select>
      {target === '' && <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Dashboard title" aria-label="New dashboard title" />}
      <button type="button" className="primary" onClick={() => void add()}>
        Add
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error && <ErrorBox error={error} />}
    </span>
  );
}
