/**
 * High-cardinality pattern detection (seed 001 "Pattern Detection"): dimension keys and values that
 * are almost always unique per event — user, session, request and trace ids, UUIDs, timestamps,
 * long hex ids — and turn a metric into one series per event. Checked only when a point creates a
 * new series, so known series never pay for it.
 */
export type PatternReason = 'id_key' | 'uuid_value' | 'timestamp_value' | 'hex_id_value';

const ID_KEY = /(^|_)(user|session|request|trace|span|correlation|transaction|txn|visitor|device|event|message|order)_?id$|^(uuid|guid|email|ip|ip_address|client_ip|remote_addr)$/i;

/** Why a dimension key names a per-event identifier, or null. */
export function keyPattern(key: string): PatternReason | null {
  return ID_KEY.test(key) ? 'id_key' : null;
}

const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Why a dimension value looks like a per-event identifier, or null:
 * - `uuid_value`: 8-4-4-4-12 hex digits;
 * - `timestamp_value`: unix seconds or milliseconds (10 or 13 digits) or an ISO-8601 date-time;
 * - `hex_id_value`: 16 or more hex digits (trace ids, hashes, object ids).
 * Hand-written character tests: this runs for every dimension of every new series.
 */
export function valuePattern(v: string): PatternReason | null {
  const n = v.length;
  if (n < 10) return null;
  if (n === 36 && v.charCodeAt(8) === 0x2d && v.charCodeAt(13) === 0x2d && v.charCodeAt(18) === 0x2d && v.charCodeAt(23) === 0x2d) {
    let ok = true;
    for (let i = 0; i < 36 && ok; i++) if (i !== 8 && i !== 13 && i !== 18 && i !== 23 && !isHex(v.charCodeAt(i))) ok = false;
    if (ok) return 'uuid_value';
  }
  let digits = 0;
  let hex = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (isDigit(c)) digits++;
    if (isHex(c)) hex++;
    else break;
  }
  if (digits === n && (n === 10 || n === 13)) return 'timestamp_value';
  // A year, a month and a day, then T or a space and an hour: 2026-11-23T10:15…
  if (n >= 16 && isDigit(v.charCodeAt(0)) && v.charCodeAt(4) === 0x2d && v.charCodeAt(7) === 0x2d && (v.charCodeAt(10) === 0x54 || v.charCodeAt(10) === 0x20) && v.charCodeAt(13) === 0x3a) {
    return 'timestamp_value';
  }
  if (hex === n && n >= 16) return 'hex_id_value';
  return null;
}

export const PATTERN_MESSAGES: Readonly<Record<PatternReason, string>> = {
  id_key: 'the key names a per-event identifier',
  uuid_value: 'values look like UUIDs',
  timestamp_value: 'values look like timestamps',
  hex_id_value: 'values look like long hex ids',
};
