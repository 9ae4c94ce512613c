import { useEffect, useId, useState } from 'react';
import { useAsync } from '../hooks.js';
import { api, type MetricInfo } from '../lib/api.js';
import { INTERVALS } from '../lib/time.js';
import { AGGREGATIONS, type Aggregation, type PanelQuery } from '../lib/types.js';

interface Props {
  query: PanelQuery;
  onChange: (q: PanelQuery) => void;
  /** Dashboard variables offered as filter values (`$name`). */
  variables?: readonly string[];
}

/** Metrics of the tenant, shared by every editor on the page. */
let metricsCache: Promise<MetricInfo[]> | null = null;
export function loadMetrics(fresh = false): Promise<MetricInfo[]> {
  if (fresh || metricsCache === null) metricsCache = api.metrics().catch((e: unknown) => {
    metricsCache = null;
    throw e;
  });
  return metricsCache;
}

/** Edits a JSON query: metric (searchable), query type, aggregation, filters with value autocomplete, group-by, interval, limit. */
export function QueryEditor({ query, onChange, variables = [] }: Props) {
  const id = useId();
  const metrics = useAsync(() => loadMetrics(), []);
  const known = metrics.data?.some((m) => m.name === query.metricName) ?? false;
  const dims = useAsync(async () => (known ? api.dimensions(query.metricName) : []), [query.metricName, known]);
  const info = metrics.data?.find((m) => m.name === query.metricName);
  const set = (patch: Partial<PanelQuery>) => {
    const next: Record<string, unknown> = { ...query, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    onChange(next as unknown as PanelQuery);
  };
  const setType = (queryType: PanelQuery['queryType']) => {
    const base: PanelQuery = { queryType, metricName: query.metricName, ...(query.timeRange ? { timeRange: query.timeRange } : {}), ...(query.filters ? { filters: query.filters } : {}) };
    if (queryType === 'aggregate') onChange({ ...base, aggregation: query.aggregation ?? 'avg', ...(query.groupBy ? { groupBy: query.groupBy } : {}), ...(query.interval ? { interval: query.interval } : {}) });
    else if (queryType === 'rate') onChange({ ...base, interval: query.interval ?? '1m', ...(query.groupBy ? { groupBy: query.groupBy } : {}) });
    else onChange(base);
  };
  const filters = Object.entries(query.filters ?? {});
  const setFilters = (list: [string, string | string[]][]) => set({ filters: list.length > 0 ? Object.fromEntries(list) : undefined });
  const dimensions = dims.data ?? [];

  return (
    <div className="query-editor">
      <div className="field-row">
        <label className="field grow">
          <span>Metric</span>
          <input list={`${id}-metrics`} value={query.metricName} placeholder="Search metrics…" onChange={(e) => set({ metricName: e.target.value.trim() })} aria-label="Metric" data-testid="metric-input" />
          <datalist id={`${id}-metrics`}>
            {(metrics.data ?? []).map((m) => (
              <option key={m.name} value={m.name}>
                {[m.type, m.unit, m.description].filter(Boolean).join(' · ')}
              </option>
            ))}
          </datalist>
        </label>
        <label className="field">
          <span>Query</span>
          <select value={query.queryType} onChange={(e) => setType(e.target.value as PanelQuery['queryType'])} aria-label="Query type" data-testid="query-type">
            <option value="range">range (raw points)</option>
            <option value="aggregate">aggregate</option>
            <option value="rate">rate (per second)</option>
          </select>
        </label>
        {query.queryType === 'aggregate' && (
          <label className="field">
            <span>Aggregation</span>
            <select value={query.aggregation ?? 'avg'} onChange={(e) => set({ aggregation: e.target.value as Aggregation })} aria-label="Aggregation" data-testid="aggregation">
              {AGGREGATIONS.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
        )}
        {query.queryType !== 'range' && (
          <label className="field">
            <span>Interval</span>
            <select value={query.interval ?? ''} onChange={(e) => set({ interval: e.target.value === '' ? undefined : e.target.value })} aria-label="Interval" data-testid="interval">
              {query.queryType === 'aggregate' && <option value="">auto</option>}
              {INTERVALS.map((i) => (
                <option key={i}>{i}</option>
              ))}
            </select>
          </label>
        )}
        <label className="field narrow">
          <span>Limit</span>
          <input type="number" min={1} value={query.limit ?? ''} placeholder="–" onChange={(e) => set({ limit: e.target.value === '' ? undefined : Math.max(1, Math.floor(Number(e.target.value))) })} aria-label="Limit" />
        </label>
      </div>
      {info !== undefined && (info.description !== '' || info.unit !== '' || info.type !== null) && (
        <p className="muted small">
          {[info.type, info.unit && `unit: ${info.unit}`, info.description].filter(Boolean).join(' · ')}
        </p>
      )}
      {metrics.data !== undefined && metrics.data.length === 0 && <p className="muted small">No metrics yet: write some points (POST /api/v1/write) and they appear here.</p>}
      {query.metricName !== '' && metrics.data !== undefined && !known && <p className="muted small">No metric named {query.metricName} has data yet.</p>}

      <fieldset className="filters">
        <legend>Filters</legend>
        {filters.map(([key, value], i) => (
          <FilterRow
            key={i}
            metric={known ? query.metricName : ''}
            dimensions={dimensions}
            variables={variables}
            filterKey={key}
            value={value}
            onChange={(k, v) => setFilters(filters.map((f, j) => (j === i ? [k, v] : f)))}
            onRemove={() => setFilters(filters.filter((_, j) => j !== i))}
          />
        ))}
        <button type="button" className="link" disabled={dimensions.length === 0} onClick={() => setFilters([...filters, [dimensions.find((d) => !(query.filters ?? {})[d]) ?? dimensions[0]!, '']])} data-testid="add-filter">
          + Filter
        </button>
      </fieldset>

      {query.queryType !== 'range' && dimensions.length > 0 && (
        <fieldset className="group-by" data-testid="group-by">
          <legend>Group by</legend>
          {dimensions.map((d) => (
            <label key={d} className="check">
              <input
                type="checkbox"
                checked={query.groupBy?.includes(d) ?? false}
                onChange={(e) => {
                  const next = e.target.checked ? [...(query.groupBy ?? []), d] : (query.groupBy ?? []).filter((x) => x !== d);
                  set({ groupBy: next.length > 0 ? next : undefined });
                }}
              />
              {d}
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}

interface FilterProps {
  metric: string;
  dimensions: string[];
  variables: readonly string[];
  filterKey: string;
  value: string | string[];
  onChange: (key: string, value: string | string[]) => void;
  onRemove: () => void;
}

function FilterRow({ metric, dimensions, variables, filterKey, value, onChange, onRemove }: FilterProps) {
  const id = useId();
  const text = Array.isArray(value) ? value.join('|') : value;
  const [prefix, setPrefix] = useState(text);
  useEffect(() => setPrefix(text), [text]);
  const values = useAsync(async () => (metric !== '' && dimensions.includes(filterKey) ? api.values(metric, filterKey, prefix.startsWith('$') ? '' : prefix, 50) : []), [metric, filterKey, prefix]);
  return (
    <div className="filter-row">
      <select value={filterKey} onChange={(e) => onChange(e.target.value, value)} aria-label="Filter dimension">
        {[...new Set([filterKey, ...dimensions])].map((d) => (
          <option key={d}>{d}</option>
        ))}
      </select>
      <span className="muted">=</span>
      <input
        list={`${id}-values`}
        value={text}
        placeholder="value (a|b for any of)"
        aria-label={`Value of ${filterKey}`}
        onChange={(e) => {
          const parts = e.target.value.split('|');
          setPrefix(e.target.value);
          onChange(filterKey, parts.length > 1 ? parts : e.target.value);
        }}
        data-testid="filter-value"
      />
      <datalist id={`${id}-values`}>
        {variables.map((v) => (
          <option key={`$${v}`} value={`$${v}`}>
            variable
          </option>
        ))}
        {(values.data ?? []).map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      <button type="button" className="icon" onClick={onRemove} aria-label={`Remove filter ${filterKey}`}>
        ×
      </button>
    </div>
  );
}
