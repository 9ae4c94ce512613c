/**
 * The error model every capability shares. An error has a stable `code` (the seed's codes such as
 * `INVALID_METRIC_NAME`, plus ours), an HTTP status, a message that says how to fix it, optional
 * machine-readable `details`, and a `cause`. On the wire it is the envelope
 * `{"error":{"code","message","details"}}`.
 */
export interface ErrorSpec {
  readonly status: number;
  /** One line for docs/errors.md: when the error happens and what to do. */
  readonly description: string;
}

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class LuminateError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetails;

  constructor(code: string, status: number, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LuminateError';
    this.code = code;
    this.status = status;
    this.details = details;
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export interface ErrorEnvelope {
  error: { code: string; message: string; details: ErrorDetails };
}

/**
 * Builds a typed factory for a capability's error codes: `errors.create('CODE', message, details)`
 * gives a LuminateError with the registered status, and the registry feeds docs/errors.md.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T) {
  return {
    specs,
    create(code: keyof T & string, message: string, details: ErrorDetails = {}, cause?: unknown): LuminateError {
      return new LuminateError(code, specs[code]!.status, message, details, cause === undefined ? undefined : { cause });
    },
  };
}

/** Codes shared by several capabilities. */
export const commonErrors = defineErrors({
  INVALID_JSON: { status: 400, description: 'The body is not valid JSON (or is empty where JSON is required).' },
});
