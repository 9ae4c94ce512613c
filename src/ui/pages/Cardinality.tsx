import { ErrorBox } from '../components/ErrorBox.js';
import { Empty } from '../components/PanelView.js';
import { useAsync } from '../hooks.js';
import { api } from '../lib/api.js';

const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;

function Usage({ value }: { value: number }) {
  const level = value >= 1 ? 'critical' : value >= 0.8 ? 'warning' : 'ok';
  return (
    <span className={`usage level-${level}`} title={pct(value)}>
      <span style={{ width: `${Math.min(100, value * 100)}%` }} />
    </span>
  );
}

/** Series per metric and dimension against the tenant's cardinality limits (GET /api/v1/cardinality). */
export function Cardinality() {
  const r = useAsync(() => api.cardinality(20), []);
  if (r.error) return <div className="page"><h1>Cardinality</h1><ErrorBox error={r.error} onRetry={r.reload} /></div>;
  if (r.data === undefined) return <div className="page loading">Loading…</div>;
  const c = r.data;
  return (
    <div className="page" data-testid="cardinality">
      <header className="page-head">
        <h1>Cardinality</h1>
        <button type="button" onClick={r.reload}>
          Refresh
        </button>
      </header>
      <div className="stats">
        <div className="stat card">
          <span className="muted">Series</span>
          <strong>{c.series.toLocaleString('en-US')}</strong>
        </div>
        <div className="stat card">
          <span className="muted">Metrics</span>
          <strong>
            {c.metrics.count.toLocaleString('en-US')} / {c.metrics.limit.toLocaleString('en-US')}
          </strong>
          <Usage value={c.metrics.usage} />
        </div>
        <div className="stat card">
          <span className="muted">Series limit per metric</span>
          <strong>{c.limits.max_unique_series_per_metric.toLocaleString('en-US')}</strong>
          <span className="muted small">warnings from {pct(c.limits.warning_threshold)}</span>
        </div>
      </div>
      {c.warnings.length > 0 && (
        <section className="card">
          <h2>Warnings</h2>
          <ul className="warnings">
            {c.warnings.map((w, i) => (
              <li key={i}>
                <strong>{w.code}</strong> {w.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="card">
        <h2>Top metrics by series</h2>
        {c.top_metrics.length === 0 ? (
          <Empty text="No series yet." />
        ) : (
          <table className="data" data-testid="top-metrics">
            <thead>
              <tr>
                <th>Metric</th>
                <th className="num">Series</th>
                <th>Usage of limit</th>
                <th>Status</th>
                <th className="num">Rejected points</th>
                <th className="num">Overflowed points</th>
              </tr>
            </thead>
            <tbody>
              {c.top_metrics.map((m) => (
                <tr key={m.metric}>
                  <td>
                    <a href={`#/explore?q=${encodeURIComponent(JSON.stringify({ queryType: 'aggregate', metricName: m.metric, aggregation: 'count', timeRange: { relative: '1h' } }))}`}>{m.metric}</a>
                  </td>
                  <td className="num">{m.series.toLocaleString('en-US')}</td>
                  <td>
                    <Usage value={m.usage} /> <span className="muted small">{pct(m.usage)}</span>
                  </td>
                  <td>
                    <span className={`tag level-${m.status === 'ok' ? 'ok' : m.status === 'warning' ? 'warning' : 'critical'}`}>{m.status}</span>
                    {m.overflow && <span className="tag">overflow</span>}
                  </td>
                  <td className="num">{m.rejected_points.toLocaleString('en-US')}</td>
                  <td className="num">{m.overflow_points.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card">
        <h2>Top dimensions by distinct values</h2>
        {c.top_dimensions.length === 0 ? (
          <Empty text="No dimensions yet." />
        ) : (
          <table className="data" data-testid="top-dimensions">
            <thead>
              <tr>
                <th>Metric</th>
                <th>Dimension</th>
                <th className="num">Distinct values</th>
                <th>Looks like</th>
              </tr>
            </thead>
            <tbody>
              {c.top_dimensions.map((d) => (
                <tr key={`${d.metric}/${d.dimension}`}>
                  <td>{d.metric}</td>
                  <td>{d.dimension}</td>
                  <td className="num">{d.distinct_values.toLocaleString('en-US')}</td>
                  <td>{d.pattern ? <span className="tag level-warning">{d.pattern}</span> : <span className="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
