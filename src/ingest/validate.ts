import type { ValidationLimits } from './types.js';

export const NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const RESERVED_DIMENSION_KEYS: ReadonlySet<string> = new Set(['_tenant_id']);
// C0 controls, DEL and C1 controls: matching them is the point of this pattern.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

const DAY_MS = 86_400_000;
export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = {
  maxDimensions: 20,
  maxKeyLength: 128,
  maxValueLength: 256,
  maxNameLength: 256,
  maxPastMs: 7 * DAY_MS,
  maxFutureMs: 3_600_000,
};

export interface Violation {
  code: string;
  message: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkName(name: unknown, maxLength: number): Violation | null {
  if (typeof name !== 'string' || name.length === 0) {
    return { code: 'INVALID_METRIC_NAME', message: 'metric name is required and must be a string' };
  }
  if (name.length > maxLength) {
    return { code: 'INVALID_METRIC_NAME', message: `metric name is longer than ${maxLength} characters` };
  }
  if (!NAME_PATTERN.test(name)) {
    return { code: 'INVALID_METRIC_NAME', message: `metric name must match pattern ${NAME_PATTERN.source}` };
  }
  return null;
}

export function checkTimestamp(ts: unknown, now: number, limits: ValidationLimits): Violation | null {
  if (typeof ts !== 'number' || !Number.isInteger(ts)) {
    return { code: 'INVALID_TIMESTAMP', message: 'timestamp must be an integer of unix milliseconds' };
  }
  if (ts < now - limits.maxPastMs) {
    // A seconds timestamp is the most common cause: say so.
    const hint = ts > 1e9 && ts < 1e11 ? ' (it looks like seconds; send unix milliseconds)' : '';
    return { code: 'INVALID_TIMESTAMP', message: `timestamp too old: older than ${Math.round(limits.maxPastMs / 3_600_000)}h${hint}` };
  }
  if (ts > now + limits.maxFutureMs) {
    return { code: 'INVALID_TIMESTAMP', message: `timestamp in future: more than ${Math.round(limits.maxFutureMs / 60_000)}m ahead of server time` };
  }
  return null;
}

export function checkValue(value: unknown): Violation | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { code: 'INVALID_VALUE', message: 'value must be a finite number (not NaN or Inf)' };
  }
  return null;
}

export function checkDimensions(dims: unknown, limits: ValidationLimits): Violation | null {
  if (dims === undefined || dims === null) return null;
  if (!isPlainObject(dims)) {
    return { code: 'INVALID_DIMENSION_VALUE', message: 'dimensions must be an object of string keys to string values' };
  }
  let count = 0;
  for (const key in dims) {
    count++;
    if (count > limits.maxDimensions) {
      return { code: 'DIMENSION_LIMIT_EXCEEDED', message: `a metric may carry at most ${limits.maxDimensions} dimensions` };
    }
    if (RESERVED_DIMENSION_KEYS.has(key)) {
      return { code: 'RESERVED_DIMENSION', message: `dimension key ${key} is reserved: the tenant comes from the credentials` };
    }
    if (key.length > limits.maxKeyLength || !NAME_PATTERN.test(key)) {
      return {
        code: 'INVALID_DIMENSION_KEY',
        message: `dimension key must be 1-${limits.maxKeyLength} characters matching ${NAME_PATTERN.source}`,
      };
    }
    const v = dims[key];
    if (typeof v !== 'string') {
      return { code: 'INVALID_DIMENSION_VALUE', message: `dimension ${key}: value must be a string` };
    }
    if (v.length === 0 || v.length > limits.maxValueLength) {
      return { code: 'INVALID_DIMENSION_VALUE', message: `dimension ${key}: value must be 1-${limits.maxValueLength} characters` };
    }
    if (CONTROL_CHARS.test(v)) {
      return { code: 'INVALID_DIMENSION_VALUE', message: `dimension ${key}: value must not contain control characters` };
    }
  }
  return null;
}

/** Checks one batch item against every rule of seed 003 "Validation Rules"; null when valid. */
export function validatePoint(item: unknown, now: number, limits: ValidationLimits): Violation | null {
  if (!isPlainObject(item)) {
    return { code: 'INVALID_METRIC', message: 'each metric must be an object {name, timestamp, value, dimensions}' };
  }
  return (
    checkName(item.name, limits.maxNameLength) ??
    checkTimestamp(item.timestamp, now, limits) ??
    checkValue(item.value) ??
    checkDimensions(item.dimensions, limits)
  );
}
