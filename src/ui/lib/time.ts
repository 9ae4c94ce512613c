/** Relative ranges offered by the time picker. */
export const PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d', '30d'] as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `15m` → 900000; null when malformed. */
export function durationMs(text: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}

/** Bucket widths the interval picker and the automatic choice use. */
export const INTERVALS = ['1s', '5s', '10s', '30s', '1m', '5m', '10m', '30m', '1h', '3h', '6h', '12h', '1d'] as const;

/** The smallest interval giving at most `maxBuckets` buckets over the span. */
export function autoInterval(spanMs: number, maxBuckets = 240): string {
  for (const i of INTERVALS) if (spanMs / durationMs(i)! <= maxBuckets) return i;
  return '1d';
}

export interface TimeRange {
  relative?: string;
  start?: string;
  end?: string;
}

/** The span a range covers, in ms, resolved at `now`. */
export function spanOf(r: TimeRange | undefined, now: number): { start: number; end: number } {
  if (r?.relative !== undefined) {
    const d = durationMs(r.relative) ?? 3_600_000;
    return { start: now - d, end: now };
  }
  if (r?.start !== undefined) {
    const end = r.end !== undefined ? Date.parse(r.end) : now;
    return { start: Date.parse(r.start), end };
  }
  return { start: now - 3_600_000, end: now };
}

/** Human text for a range. */
export function describeRange(r: TimeRange | undefined): string {
  if (r?.relative !== undefined) return `Last ${r.relative}`;
  if (r?.start !== undefined) return `${r.start} → ${r.end ?? 'now'}`;
  return 'Last 1h';
}

/** `2026-01-02T03:04` (datetime-local input value, local time) ↔ ISO. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
export function fromLocalInput(text: string): string | null {
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
