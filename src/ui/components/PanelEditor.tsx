import { useEffect, useRef, useState } from 'react';
import { GRID_COLUMNS, PANEL_TYPES, type Panel, type PanelDisplay } from '../lib/types.js';
import { QueryEditor } from './QueryEditor.js';
import { TimeRangePicker } from './TimeRangePicker.js';

interface Props {
  panel: Panel;
  variables: readonly string[];
  onApply: (p: Panel) => void;
  onCancel: () => void;
}

/** A dialog editing one panel: title, type, query, its own time range, display options. */
export function PanelEditor({ panel, variables, onApply, onCancel }: Props) {
  const [p, setP] = useState<Panel>(structuredClone(panel));
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const display = p.display ?? {};
  const setDisplay = (d: PanelDisplay) => {
    const clean = JSON.parse(JSON.stringify(d)) as PanelDisplay; // drops undefined fields
    const { display: _old, ...rest } = p;
    setP(Object.keys(clean).length === 0 ? rest : { ...rest, display: clean });
  };
  const num = (v: string) => (v.trim() === '' || Number.isNaN(Number(v)) ? undefined : Number(v));
  const threshold = (k: 'warning' | 'critical', v: number | undefined) => {
    const t = { ...display.threshold, [k]: v };
    setDisplay({ ...display, threshold: t.warning === undefined && t.critical === undefined ? undefined : t });
  };
  return (
    <dialog ref={dialog} className="panel-editor" onCancel={onCancel} aria-label="Edit panel" data-testid="panel-editor">
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onApply(p);
        }}
      >
        <h2>Edit panel</h2>
        <div className="field-row">
          <label className="field grow">
            <span>Title</span>
            <input value={p.title} onChange={(e) => setP({ ...p, title: e.target.value })} aria-label="Panel title" data-testid="panel-title" />
          </label>
          <label className="field">
            <span>Type</span>
            <select value={p.type} onChange={(e) => setP({ ...p, type: e.target.value as Panel['type'] })} aria-label="Panel type" data-testid="panel-type">
              {PANEL_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        </div>
        <QueryEditor query={p.query} onChange={(query) => setP({ ...p, query })} variables={variables} />
        <div className="field-row">
          <label className="check">
            <input
              type="checkbox"
              checked={p.query.timeRange !== undefined}
              onChange={(e) => {
                const { timeRange: _t, ...rest } = p.query;
                setP({ ...p, query: e.target.checked ? { ...rest, timeRange: { relative: '1h' } } : rest });
              }}
            />
            Own time range
          </label>
          {p.query.timeRange !== undefined && <TimeRangePicker value={p.query.timeRange} onChange={(timeRange) => setP({ ...p, query: { ...p.query, timeRange } })} />}
        </div>
        <fieldset>
          <legend>Position on the 24-column grid (or drag and resize the panel)</legend>
          <div className="field-row">
            {(['x', 'y', 'w', 'h'] as const).map((k) => {
              const g = p.gridPosition ?? { x: 0, y: 0, w: 12, h: 4 };
              const max = k === 'x' ? GRID_COLUMNS - g.w : k === 'w' ? GRID_COLUMNS - g.x : k === 'y' ? 10_000 : 100;
              const min = k === 'w' || k === 'h' ? 1 : 0;
              return (
                <label key={k} className="field narrow">
                  <span>{{ x: 'Column', y: 'Row', w: 'Width', h: 'Height' }[k]}</span>
                  <input
                    type="number"
                    min={min}
                    max={max}
                    value={g[k]}
                    aria-label={`Panel ${{ x: 'column', y: 'row', w: 'width', h: 'height' }[k]}`}
                    onChange={(e) => {
                      const v = Math.floor(Number(e.target.value));
                      if (Number.isFinite(v)) setP({ ...p, gridPosition: { ...g, [k]: Math.max(min, Math.min(max, v)) } });
                    }}
                  />
                </label>
              );
            })}
          </div>
        </fieldset>
        <fieldset>
          <legend>Display</legend>
          <div className="field-row">
            <label className="field narrow">
              <span>Unit</span>
              <input value={display.unit ?? ''} list="units" onChange={(e) => setDisplay({ ...display, unit: e.target.value || undefined })} aria-label="Unit" />
              <datalist id="units">
                {['ms', 's', 'bytes', '%', 'req/s', 'ops'].map((u) => (
                  <option key={u} value={u} />
                ))}
              </datalist>
            </label>
            <label className="field narrow">
              <span>Decimals</span>
              <input type="number" min={0} max={10} value={display.decimals ?? ''} onChange={(e) => setDisplay({ ...display, decimals: num(e.target.value) })} aria-label="Decimals" />
            </label>
            <label className="field narrow">
              <span>Warning ≥</span>
              <input type="number" value={display.threshold?.warning ?? ''} onChange={(e) => threshold('warning', num(e.target.value))} aria-label="Warning threshold" />
            </label>
            <label className="field narrow">
              <span>Critical ≥</span>
              <input type="number" value={display.threshold?.critical ?? ''} onChange={(e) => threshold('critical', num(e.target.value))} aria-label="Critical threshold" />
            </label>
            <label className="check">
              <input type="checkbox" checked={display.legend?.show ?? true} onChange={(e) => setDisplay({ ...display, legend: { ...display.legend, show: e.target.checked } })} />
              Legend
            </label>
            <label className="field narrow">
              <span>Legend at</span>
              <select value={display.legend?.position ?? 'bottom'} onChange={(e) => setDisplay({ ...display, legend: { ...display.legend, position: e.target.value as 'bottom' | 'right' } })} aria-label="Legend position">
                <option>bottom</option>
                <option>right</option>
              </select>
            </label>
          </div>
        </fieldset>
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={p.query.metricName === ''} data-testid="panel-apply">
            Apply
          </button>
        </div>
      </form>
    </dialog>
  );
}
