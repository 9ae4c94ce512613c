import { useEffect, useMemo, useState } from 'react';
import ReactGridLayout, { useContainerWidth, verticalCompactor, type Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import { ErrorBox } from '../components/ErrorBox.js';
import { Empty, PanelView } from '../components/PanelView.js';
import { PanelEditor } from '../components/PanelEditor.js';
import { TimeRangePicker } from '../components/TimeRangePicker.js';
import { usePanelData } from '../components/usePanelData.js';
import { navigate, useAsync } from '../hooks.js';
import { api } from '../lib/api.js';
import { LiveClient } from '../lib/live-client.js';
import { effectiveQuery } from '../lib/panel-query.js';
import { describeRange, durationMs, type TimeRange } from '../lib/time.js';
import { GRID_COLUMNS, type Dashboard, type Panel, type Variable } from '../lib/types.js';
import { initialSelection, type Selection } from '../lib/variables.js';

const REFRESH = ['off', '5s', '10s', '30s', '1m', '5m', '15m'];
/** Grid row height in px: a seed panel of h 4 is about 300 px tall. */
export const ROW_HEIGHT = 64;

export function DashboardPage({ id, params }: { id: string; params: URLSearchParams }) {
  const loaded = useAsync(() => api.dashboard(id), [id]);
  if (loaded.error) return <div className="page"><ErrorBox error={loaded.error} onRetry={loaded.reload} /></div>;
  if (loaded.data === undefined) return <div className="page loading">Loading…</div>;
  return <DashboardView key={id} initial={loaded.data} startEditing={params.get('edit') === '1'} />;
}

function positionOf(p: Panel, i: number) {
  return p.gridPosition ?? { x: (i % 2) * 12, y: Math.floor(i / 2) * 4, w: 12, h: 4 };
}

function DashboardView({ initial, startEditing }: { initial: Dashboard; startEditing: boolean }) {
  const [saved, setSaved] = useState(initial);
  const [draft, setDraft] = useState(initial);
  const [edit, setEdit] = useState(startEditing);
  const [range, setRange] = useState<TimeRange>(initial.timeRange ?? { relative: '1h' });
  const [refresh, setRefresh] = useState(initial.refreshInterval ?? 'off');
  const [live, setLive] = useState(false);
  const [selection, setSelection] = useState<Selection>({});
  const [editing, setEditing] = useState<Panel | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [liveState, setLiveState] = useState<'connecting' | 'open' | 'down'>('down');
  const [reloadTick, setReloadTick] = useState(0);
  const dirty = JSON.stringify(saved) !== JSON.stringify(draft);

  const client = useMemo(() => (live ? new LiveClient(() => api.headers()) : null), [live]);
  useEffect(() => {
    if (client === null) return;
    client.onState = setLiveState;
    return () => {
      client.close();
      setLiveState('down');
    };
  }, [client]);

  const refreshMs = refresh === 'off' ? null : durationMs(refresh);
  const variables = draft.variables ?? [];
  const { width, containerRef, mounted } = useContainerWidth();
  const layout: Layout = draft.panels.map((p, i) => ({ i: p.id, ...positionOf(p, i), minW: 2, minH: 2 }));

  const save = async () => {
    setError(null);
    try {
      const d = await api.saveDashboard(draft);
      setSaved(d);
      setDraft(d);
      setEdit(false);
    } catch (e) {
      setError(e as Error);
    }
  };
  const doExport = async () => {
    setError(null);
    try {
      // The export is the stored document, exactly as GET /api/v1/dashboards/{id} gives it.
      setExported(JSON.stringify({ dashboard: await api.dashboard(saved.id) }, null, 2));
    } catch (e) {
      setError(e as Error);
    }
  };
  const onLayout = (l: Layout) => {
    if (!edit) return;
    let changed = false;
    const panels = draft.panels.map((p, i) => {
      const item = l.find((x) => x.i === p.id);
      if (item === undefined) return p;
      const g = { x: item.x, y: item.y, w: item.w, h: item.h };
      const cur = positionOf(p, i);
      if (cur.x === g.x && cur.y === g.y && cur.w === g.w && cur.h === g.h && p.gridPosition) return p;
      changed = true;
      return { ...p, gridPosition: g };
    });
    if (changed) setDraft({ ...draft, panels });
  };
  const newPanel = (): Panel => {
    let n = draft.panels.length + 1;
    while (draft.panels.some((p) => p.id === `panel_${n}`)) n++;
    const y = Math.max(0, ...draft.panels.map((p, i) => positionOf(p, i).y + positionOf(p, i).h));
    return { id: `panel_${n}`, title: 'New panel', type: 'timeseries', gridPosition: { x: 0, y, w: 12, h: 4 }, query: { queryType: 'aggregate', metricName: '', aggregation: 'avg' } };
  };

  return (
    <div className="page dashboard" data-testid="dashboard" data-live={live ? liveState : 'off'}>
      <header className="page-head">
        {edit ? (
          <input className="title-input" value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} aria-label="Dashboard title" data-testid="dashboard-title-input" />
        ) : (
          <h1 data-testid="dashboard-title">{draft.title}</h1>
        )}
        <div className="toolbar">
          <TimeRangePicker value={range} onChange={setRange} />
          <label className="inline">
            <span className="muted">Refresh</span>
            <select value={refresh} onChange={(e) => setRefresh(e.target.value)} aria-label="Refresh interval" disabled={live}>
              {[...new Set([...REFRESH, refresh])].map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button type="button" aria-pressed={live} onClick={() => setLive(!live)} data-testid="live-toggle" title="Update panels as points arrive (pushed by the server)">
            <span className={`dot ${live ? liveState : ''}`} /> Live
          </button>
          <button type="button" onClick={() => setReloadTick((t) => t + 1)} aria-label="Reload all panels">
            ↻
          </button>
          {edit ? (
            <>
              <button type="button" onClick={() => setEditing(newPanel())} data-testid="add-panel">
                Add panel
              </button>
              <button type="button" onClick={() => { setDraft(saved); setEdit(false); }}>
                Discard
              </button>
              <button type="button" className="primary" onClick={() => void save()} disabled={!dirty} data-testid="save-dashboard">
                Save
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setEdit(true)} data-testid="edit-dashboard">
              Edit
            </button>
          )}
          <button type="button" onClick={() => void doExport()} data-testid="export-dashboard">
            Export
          </button>
        </div>
      </header>
      {error && <ErrorBox error={error} />}
      {edit && (
        <DashboardSettings
          draft={draft}
          onChange={setDraft}
          range={range}
          refresh={refresh}
        />
      )}
      {variables.length > 0 && <VariableBar variables={variables} selection={selection} onChange={(name, values) => setSelection((cur) => ({ ...cur, [name]: values }))} />}
      {live && range.relative === undefined && <p className="muted small">Live mode follows relative time ranges; this dashboard shows a fixed window.</p>}
      {exported !== null && (
        <section className="card" data-testid="export">
          <div className="toolbar">
            <h2>Export</h2>
            <a className="button" download={`${saved.id}.json`} href={`data:application/json;charset=utf-8,${encodeURIComponent(exported)}`}>
              Download
            </a>
            <button type="button" onClick={() => setExported(null)}>
              Close
            </button>
          </div>
          <textarea readOnly value={exported} rows={14} aria-label="Exported dashboard JSON" data-testid="export-json" spellCheck={false} />
        </section>
      )}
      <div ref={containerRef} className="grid-host">
        {draft.panels.length === 0 ? (
          <Empty text={edit ? 'No panels yet: Add panel.' : 'No panels yet: Edit, then Add panel, or add a query from Explore.'} />
        ) : (
          mounted && (
            <ReactGridLayout
              width={width}
              layout={layout}
              gridConfig={{ cols: GRID_COLUMNS, rowHeight: ROW_HEIGHT, margin: [12, 12] }}
              dragConfig={{ enabled: edit, handle: '.panel-head' }}
              resizeConfig={{ enabled: edit }}
              compactor={verticalCompactor}
              onLayoutChange={onLayout}
            >
              {draft.panels.map((p) => (
                <div key={p.id}>
                  <PanelCard
                    panel={p}
                    range={range}
                    selection={selection}
                    live={client}
                    refreshMs={refreshMs}
                    reloadTick={reloadTick}
                    edit={edit}
                    onEdit={() => setEditing(p)}
                    onRemove={() => setDraft({ ...draft, panels: draft.panels.filter((x) => x.id !== p.id) })}
                  />
                </div>
              ))}
            </ReactGridLayout>
          )
        )}
      </div>
      {editing !== null && (
        <PanelEditor
          panel={editing}
          variables={variables.map((v) => v.name)}
          onCancel={() => setEditing(null)}
          onApply={(p) => {
            const exists = draft.panels.some((x) => x.id === p.id);
            setDraft({ ...draft, panels: exists ? draft.panels.map((x) => (x.id === p.id ? p : x)) : [...draft.panels, p] });
            setEditing(null);
            setEdit(true);
          }}
        />
      )}
    </div>
  );
}

interface PanelCardProps {
  panel: Panel;
  range: TimeRange;
  selection: Selection;
  live: LiveClient | null;
  refreshMs: number | null;
  reloadTick: number;
  edit: boolean;
  onEdit: () => void;
  onRemove: () => void;
}

function PanelCard({ panel, range, selection, live, refreshMs, reloadTick, edit, onEdit, onRemove }: PanelCardProps) {
  const ready = panel.query.metricName !== '';
  const query = useMemo(() => effectiveQuery(panel, range, selection), [panel, range, selection]);
  const data = usePanelData(query, ready ? live : null, refreshMs, reloadTick);
  const state = !ready ? 'empty' : data.error ? 'error' : data.response === undefined ? 'loading' : data.response.results.length === 0 ? 'empty' : 'ready';
  return (
    <section className="panel" data-testid="panel" data-panel-id={panel.id} data-state={state} data-points={data.response?.results.length ?? 0} data-updated={data.updatedAt} aria-label={panel.title}>
      <header className="panel-head">
        <h3 title={panel.title}>{panel.title || panel.query.metricName}</h3>
        {panel.query.timeRange && <span className="badge">{describeRange(panel.query.timeRange)}</span>}
        {data.live && <span className="badge live">live</span>}
        {data.loading && data.response && <span className="spinner" aria-label="Updating" />}
        {edit && (
          <span className="panel-actions">
            <button type="button" onClick={onEdit} aria-label={`Edit panel ${panel.title}`} data-testid="edit-panel">
              Edit
            </button>
            <button type="button" onClick={onRemove} aria-label={`Remove panel ${panel.title}`}>
              ×
            </button>
          </span>
        )}
      </header>
      <div className="panel-body">
        {!ready ? (
          <Empty text="This panel has no metric yet." />
        ) : data.error ? (
          <ErrorBox error={data.error} />
        ) : data.response === undefined ? (
          <div className="loading">Loading…</div>
        ) : (
          <PanelView type={panel.type} response={data.response} metric={query.metricName} display={panel.display} />
        )}
      </div>
    </section>
  );
}

/** One picker per variable; each sets only its own name, so pickers initialising together do not overwrite each other. */
function VariableBar({ variables, selection, onChange }: { variables: Variable[]; selection: Selection; onChange: (name: string, values: string[]) => void }) {
  return (
    <div className="variables" data-testid="variables">
      {variables.map((v) => (
        <VariablePicker key={v.name} variable={v} value={selection[v.name]} onChange={(values) => onChange(v.name, values)} />
      ))}
    </div>
  );
}

function VariablePicker({ variable, value, onChange }: { variable: Variable; value: string[] | undefined; onChange: (v: string[]) => void }) {
  const options = useAsync(async () => {
    if (variable.type === 'custom') return variable.options;
    const r = await api.query({ ...variable.query, limit: variable.query.limit ?? 100 });
    return r.queryType === 'listDimensionValues' ? r.results : [];
  }, [JSON.stringify(variable)]);
  useEffect(() => {
    if (value === undefined && options.data !== undefined) onChange(initialSelection(variable, options.data));
  }, [options.data, value, variable, onChange]);
  const label = variable.label ?? variable.name;
  if (options.error) return <ErrorBox error={options.error} />;
  const opts = options.data ?? [];
  return (
    <label className="variable">
      <span>{label}</span>
      {variable.multi === true ? (
        <select multiple value={value ?? []} onChange={(e) => onChange([...e.target.selectedOptions].map((o) => o.value))} aria-label={label} data-testid={`var-${variable.name}`} size={Math.min(4, Math.max(2, opts.length))}>
          {opts.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      ) : (
        <select value={value?.[0] ?? ''} onChange={(e) => onChange(e.target.value === '' ? [] : [e.target.value])} aria-label={label} data-testid={`var-${variable.name}`}>
          <option value="">All</option>
          {opts.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      )}
    </label>
  );
}

/** Edit mode: the dashboard's saved time range and refresh, tags, and its variables. */
function DashboardSettings({ draft, onChange, range, refresh }: { draft: Dashboard; onChange: (d: Dashboard) => void; range: TimeRange; refresh: string }) {
  const vars = draft.variables ?? [];
  const setVars = (list: Variable[]) => {
    const { variables: _old, ...rest } = draft;
    onChange(list.length === 0 ? rest : { ...rest, variables: list });
  };
  const update = (i: number, v: Variable) => setVars(vars.map((x, j) => (j === i ? v : x)));
  return (
    <section className="card settings" data-testid="dashboard-settings">
      <div className="field-row">
        <label className="field grow">
          <span>Tags (comma-separated)</span>
          <input
            value={(draft.tags ?? []).join(', ')}
            onChange={(e) => {
              const tags = e.target.value.split(',').map((t) => t.trim()).filter(Boolean);
              const { tags: _old, ...rest } = draft;
              onChange(tags.length === 0 ? rest : { ...rest, tags });
            }}
            aria-label="Tags"
          />
        </label>
        <button type="button" onClick={() => onChange({ ...draft, timeRange: range, refreshInterval: refresh })}>
          Keep current time range and refresh as the default
        </button>
      </div>
      <fieldset>
        <legend>Variables</legend>
        {vars.map((v, i) => (
          <div key={i} className="field-row variable-edit">
            <input value={v.name} onChange={(e) => update(i, { ...v, name: e.target.value })} aria-label="Variable name" placeholder="name" />
            <select
              value={v.type}
              aria-label="Variable type"
              onChange={(e) =>
                update(i, e.target.value === 'custom' ? { name: v.name, type: 'custom', options: ['a'], ...(v.multi ? { multi: true } : {}) } : { name: v.name, type: 'query', query: { queryType: 'listDimensionValues', metricName: '', dimension: '' }, ...(v.multi ? { multi: true } : {}) })
              }
            >
              <option value="query">values of a dimension</option>
              <option value="custom">custom list</option>
            </select>
            {v.type === 'query' ? (
              <>
                <input value={v.query.metricName} onChange={(e) => update(i, { ...v, query: { ...v.query, metricName: e.target.value } })} aria-label="Variable metric" placeholder="metric" />
                <input value={v.query.dimension} onChange={(e) => update(i, { ...v, query: { ...v.query, dimension: e.target.value } })} aria-label="Variable dimension" placeholder="dimension" />
              </>
            ) : (
              <input value={v.options.join(', ')} onChange={(e) => update(i, { ...v, options: e.target.value.split(',').map((o) => o.trim()).filter(Boolean) })} aria-label="Variable options" placeholder="a, b, c" />
            )}
            <label className="check">
              <input type="checkbox" checked={v.multi === true} onChange={(e) => { const { multi: _m, default: _d, ...rest } = v; update(i, (e.target.checked ? { ...rest, multi: true } : rest)); }} />
              multi
            </label>
            <button type="button" className="icon" onClick={() => setVars(vars.filter((_, j) => j !== i))} aria-label={`Remove variable ${v.name}`}>
              ×
            </button>
          </div>
        ))}
        <button type="button" className="link" onClick={() => setVars([...vars, { name: `var${vars.length + 1}`, type: 'custom', options: ['a', 'b'] }])}>
          + Variable
        </button>
        <p className="muted small">Use a variable in a panel filter as $name.</p>
      </fieldset>
      <p className="muted small">
        Drag panels by their title bar and resize them from the corner; <button type="button" className="link" onClick={() => navigate('#/dashboards')}>back to the list</button>.
      </p>
    </section>
  );
}
