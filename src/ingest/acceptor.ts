import type { WriteQueue } from '../cluster/index.js';
import { ingestErrors } from './errors.js';
import { resolveWriteBody } from './resolve.js';
import type { SeriesCache } from './series-cache.js';
import type { PointError, ValidationLimits } from './types.js';

/** The answer to a write: 200 when every metric was stored, 207 when some were rejected. */
export interface WriteResult {
  status: 200 | 207;
  accepted: number;
  rejected: number;
  errors: PointError[];
}

export interface AcceptorOptions {
  queue: WriteQueue;
  cache: SeriesCache;
  limits: ValidationLimits;
  maxBatchSize: number;
  now?: () => number;
}

/** Most per-item errors repeated in a 400's details (the full list is in a 207). */
const MAX_ERRORS_IN_DETAILS = 100;

/**
 * The acceptor role: validate, resolve series ids, hand the batch to the write queue and answer
 * only once the queue says the points are durable.
 */
export class Acceptor {
  readonly #o: AcceptorOptions;
  readonly #now: () => number;

  constructor(options: AcceptorOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async write(body: unknown, tenant: string): Promise<WriteResult> {
    const { batch, errors } = resolveWriteBody(body, {
      tenant,
      limits: this.#o.limits,
      maxBatchSize: this.#o.maxBatchSize,
      now: this.#now(),
      cache: this.#o.cache,
    });
    if (batch.points === 0 && errors.length > 0) {
      const codes = new Set(errors.map((e) => e.code));
      const code = codes.size === 1 ? (errors[0]!.code as Parameters<typeof ingestErrors.create>[0]) : 'INVALID_BATCH';
      const first = errors[0]!;
      throw ingestErrors.create(
        code,
        errors.length === 1 ? `metric ${first.index} rejected: ${first.error}` : `no metric in the batch was valid (first: index ${first.index}: ${first.error})`,
        { accepted: 0, rejected: errors.length, errors: errors.slice(0, MAX_ERRORS_IN_DETAILS) },
      );
    }
    await this.#o.queue.enqueue(batch);
    this.#o.cache.markStored(batch.newSeries);
    return { status: errors.length > 0 ? 207 : 200, accepted: batch.points, rejected: errors.length, errors };
  }
}
