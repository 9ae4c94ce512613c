import type { PanelDisplay } from './types.js';

const BYTES = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A value with the panel's unit and decimals: `145.50 ms`, `1.5 GiB`, `99.9%`. */
export function formatValue(v: number | null | undefined, display: PanelDisplay | undefined = {}): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const unit = display.unit ?? '';
  const fixed = (x: number) => (display.decimals !== undefined ? x.toFixed(display.decimals) : trim(x));
  if (unit === 'bytes') {
    let x = v;
    let i = 0;
    while (Math.abs(x) >= 1024 && i < BYTES.length - 1) {
      x /= 1024;
      i++;
    }
    return `${fixed(x)} ${BYTES[i]}`;
  }
  if (unit === '%') return `${fixed(v)}%`;
  return unit === '' ? fixed(v) : `${fixed(v)} ${unit}`;
}

/** At most 3 decimals, none trailing; large values grouped. */
function trim(x: number): string {
  if (Math.abs(x) >= 1e15 || (x !== 0 && Math.abs(x) < 1e-3)) return x.toExponential(2);
  return x.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** `ok`, `warning` or `critical` against the panel's thresholds. */
export function levelOf(v: number, display: PanelDisplay | undefined): 'ok' | 'warning' | 'critical' {
  const t = display?.threshold;
  if (t?.critical !== undefined && v >= t.critical) return 'critical';
  if (t?.warning !== undefined && v >= t.warning) return 'warning';
  return 'ok';
}
