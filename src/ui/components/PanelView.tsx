import { isTimeSeries, toChartData, toRows, type Row } from '../lib/chart-data.js';
import { formatValue, levelOf } from '../lib/format.js';
import type { PanelDisplay, PanelType, QueryResponse } from '../lib/types.js';
import { Chart } from './Chart.js';

interface Props {
  type: PanelType;
  response: QueryResponse;
  metric: string;
  display?: PanelDisplay | undefined;
}

/** A query answer drawn as a panel type: chart, table, gauge or bars. */
export function PanelView({ type, response, metric, display }: Props) {
  if (response.results.length === 0) return <Empty text="No data in this time range." />;
  if (type === 'timeseries') {
    if (!isTimeSeries(response)) return <RowsTable rows={toRows(response, metric)} display={display} />;
    return <Chart data={toChartData(response, metric)} display={display} />;
  }
  const rows = toRows(response, metric);
  if (type === 'table') return isTimeSeries(response) && response.queryType === 'range' ? <PointsTable response={response} display={display} /> : <RowsTable rows={rows} display={display} />;
  if (type === 'gauge') return <Gauges rows={rows} display={display} />;
  return <Bars rows={rows} display={display} />;
}

export function Empty({ text }: { text: string }) {
  return (
    <div className="empty" role="status">
      {text}
    </div>
  );
}

function RowsTable({ rows, display }: { rows: Row[]; display?: PanelDisplay | undefined }) {
  return (
    <div className="table-wrap">
      <table className="data" data-testid="rows">
        <thead>
          <tr>
            <th>Series</th>
            <th className="num">Value</th>
            {rows.some((r) => r.count !== undefined) && <th className="num">Points</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label} className={`level-${levelOf(r.value, display)}`}>
              <td>{r.label}</td>
              <td className="num">{formatValue(r.value, display)}</td>
              {r.count !== undefined && <td className="num">{r.count.toLocaleString('en-US')}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PointsTable({ response, display }: { response: Extract<QueryResponse, { queryType: 'range' }>; display?: PanelDisplay | undefined }) {
  const shown = response.results.slice(-500).reverse();
  return (
    <div className="table-wrap">
      <table className="data" data-testid="rows">
        <thead>
          <tr>
            <th>Time</th>
            <th>Dimensions</th>
            <th className="num">Value</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p, i) => (
            <tr key={i}>
              <td>{new Date(p.timestamp).toLocaleString()}</td>
              <td>{Object.entries(p.dimensions).map(([k, v]) => `${k}=${v}`).join(', ')}</td>
              <td className="num">{formatValue(p.value, display)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {response.results.length > shown.length && <p className="muted small">Newest 500 of {response.results.length} points.</p>}
    </div>
  );
}

function Gauges({ rows, display }: { rows: Row[]; display?: PanelDisplay | undefined }) {
  const t = display?.threshold;
  const max = Math.max(t?.critical ?? 0, ...rows.map((r) => r.value)) || 1;
  return (
    <div className="gauges">
      {rows.slice(0, 12).map((r) => {
        const frac = Math.max(0, Math.min(1, r.value / max));
        return (
          <div key={r.label} className={`gauge level-${levelOf(r.value, display)}`} data-testid="gauge">
            <svg viewBox="0 0 100 60" aria-hidden="true">
              <path d="M10 55 A40 40 0 0 1 90 55" className="gauge-track" />
              <path d="M10 55 A40 40 0 0 1 90 55" className="gauge-fill" pathLength={100} strokeDasharray={`${frac * 100} 100`} />
            </svg>
            <div className="gauge-value">{formatValue(r.value, display)}</div>
            <div className="gauge-label" title={r.label}>
              {r.label}
            </div>
          </div>
        );
      })}
    </div>
  );
}

function Bars({ rows, display }: { rows: Row[]; display?: PanelDisplay | undefined }) {
  const max = Math.max(...rows.map((r) => Math.abs(r.value))) || 1;
  return (
    <div className="bars" data-testid="bars">
      {rows.map((r) => (
        <div key={r.label} className={`bar-row level-${levelOf(r.value, display)}`}>
          <span className="bar-label" title={r.label}>
            {r.label}
          </span>
          <span className="bar-track">
            <span className="bar-fill" style={{ width: `${(Math.abs(r.value) / max) * 100}%` }} />
          </span>
          <span className="bar-value num">{formatValue(r.value, display)}</span>
        </div>
      ))}
    </div>
  );
}
