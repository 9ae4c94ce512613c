import { useState } from 'react';
import { PRESETS, fromLocalInput, spanOf, toLocalInput, type TimeRange } from '../lib/time.js';

interface Props {
  value: TimeRange | undefined;
  onChange: (r: TimeRange) => void;
}

/** Relative presets, or an absolute start and end. */
export function TimeRangePicker({ value, onChange }: Props) {
  const custom = value?.start !== undefined;
  const [editing, setEditing] = useState(false);
  const span = spanOf(value, Date.now());
  const [start, setStart] = useState(toLocalInput(span.start));
  const [end, setEnd] = useState(toLocalInput(span.end));
  const apply = () => {
    const s = fromLocalInput(start);
    const e = fromLocalInput(end);
    if (s !== null && e !== null) {
      onChange({ start: s, end: e });
      setEditing(false);
    }
  };
  return (
    <span className="time-picker">
      <select
        aria-label="Time range"
        data-testid="time-range"
        value={editing || custom ? 'custom' : (value?.relative ?? '1h')}
        onChange={(e) => {
          if (e.target.value === 'custom') setEditing(true);
          else {
            setEditing(false);
            onChange({ relative: e.target.value });
          }
        }}
      >
        {PRESETS.map((p) => (
          <option key={p} value={p}>
            Last {p}
          </option>
        ))}
        {!PRESETS.includes((value?.relative ?? '1h') as (typeof PRESETS)[number]) && !custom && <option value={value?.relative}>Last {value?.relative}</option>}
        <option value="custom">Absolute…</option>
      </select>
      {(editing || custom) && (
        <>
          <input type="datetime-local" aria-label="Start" value={start} onChange={(e) => setStart(e.target.value)} />
          <span className="muted">→</span>
          <input type="datetime-local" aria-label="End" value={end} onChange={(e) => setEnd(e.target.value)} />
          <button type="button" onClick={apply}>
            Apply
          </button>
        </>
      )}
    </span>
  );
}
