const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
export type DurationUnit = keyof typeof UNIT_MS;
const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;

/**
 * Parses a duration such as `15m`, `2d`, `500ms` to milliseconds, or null when the text is not
 * one. `units` restricts the accepted units (relative time ranges take s|m|h|d|w).
 */
export function parseDuration(text: string, units: readonly DurationUnit[] = ['ms', 's', 'm', 'h', 'd', 'w']): number | null {
  const m = DURATION.exec(text.trim());
  if (m === null) return null;
  const unit = m[2] as DurationUnit;
  if (!units.includes(unit)) return null;
  const ms = Number(m[1]) * UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Milliseconds of a config duration (already validated by the schema pattern). */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`not a duration: ${text}`);
  return ms;
}

/** Formats ms as the shortest exact duration text (90d, 30s, 1500ms). */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
