import { useState } from 'react';
import { ErrorBox } from '../components/ErrorBox.js';
import { Empty } from '../components/PanelView.js';
import { navigate, useAsync } from '../hooks.js';
import { api } from '../lib/api.js';

/** Dashboards of the tenant: open, create, import (seed JSON), duplicate, delete. */
export function DashboardList() {
  const list = useAsync(() => api.dashboards(), []);
  const [title, setTitle] = useState('');
  const [importing, setImporting] = useState(false);
  const [doc, setDoc] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);

  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e as Error);
    }
  };
  const create = () =>
    act(async () => {
      const d = await api.createDashboard({ title: title.trim(), timeRange: { relative: '1h' }, refreshInterval: 'off', panels: [] });
      navigate(`#/dashboards/${encodeURIComponent(d.id)}?edit=1`);
    });
  const doImport = () =>
    act(async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(doc);
      } catch (e) {
        throw new Error(`Not JSON: ${(e as Error).message}`, { cause: e });
      }
      const d = await api.importDashboard(parsed);
      navigate(`#/dashboards/${encodeURIComponent(d.id)}`);
    });
  const duplicate = (id: string) =>
    act(async () => {
      const d = await api.dashboard(id);
      const { id: _old, ...rest } = d;
      await api.createDashboard({ ...rest, title: `${d.title} (copy)` });
      list.reload();
    });
  const remove = (id: string) =>
    act(async () => {
      await api.deleteDashboard(id);
      setConfirm(null);
      list.reload();
    });

  return (
    <div className="page">
      <header className="page-head">
        <h1>Dashboards</h1>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (title.trim() !== '') void create();
          }}
        >
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="New dashboard title" aria-label="New dashboard title" data-testid="new-dashboard-title" />
          <button type="submit" className="primary" disabled={title.trim() === ''}>
            Create
          </button>
          <button type="button" onClick={() => setImporting(!importing)} aria-expanded={importing}>
            Import JSON
          </button>
        </form>
      </header>
      {error && <ErrorBox error={error} />}
      {importing && (
        <section className="card">
          <h2>Import a dashboard</h2>
          <p className="muted small">Paste a dashboard in the seed's format, {'{"dashboard": {…}}'}, or load a file.</p>
          <input
            type="file"
            accept="application/json,.json"
            aria-label="Dashboard file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then(setDoc);
            }}
          />
          <textarea value={doc} onChange={(e) => setDoc(e.target.value)} rows={12} aria-label="Dashboard JSON" data-testid="import-json" spellCheck={false} />
          <button type="button" className="primary" onClick={() => void doImport()} disabled={doc.trim() === ''} data-testid="import-submit">
            Import
          </button>
        </section>
      )}
      {list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <div className="loading">Loading…</div>
      ) : list.data.length === 0 ? (
        <Empty text="No dashboards yet. Create one, import a JSON file, or add a query from Explore." />
      ) : (
        <table className="data list" data-testid="dashboard-list">
          <thead>
            <tr>
              <th>Title</th>
              <th>Tags</th>
              <th className="num">Panels</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.id} data-id={d.id}>
                <td>
                  <a href={`#/dashboards/${encodeURIComponent(d.id)}`}>{d.title}</a>
                </td>
                <td>
                  {d.tags.map((t) => (
                    <span key={t} className="tag">
                      {t}
                    </span>
                  ))}
                </td>
                <td className="num">{d.panels}</td>
                <td>{new Date(d.updatedAt).toLocaleString()}</td>
                <td className="actions">
                  <button type="button" onClick={() => void duplicate(d.id)}>
                    Duplicate
                  </button>
                  {confirm === d.id ? (
                    <>
                      <button type="button" className="danger" onClick={() => void remove(d.id)}>
                        Confirm delete
                      </button>
                      <button type="button" onClick={() => setConfirm(null)}>
                        Keep
                      </button>
                    </>
                  ) : (
                    <button type="button" onClick={() => setConfirm(d.id)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
