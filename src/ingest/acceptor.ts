import type { WriteQueue } from '../cluster/index.js';
import { commonErrors } from '../errors.js';
import type { CardinalityGuard, CardinalitySession, CardinalityWarning } from './cardinality.js';
import { ingestErrors, sharedCode } from './errors.js';
import { fastResolve } from './fast-batch.js';
import { resolveRecorded } from './byte-lane.js';
import { fastRemoteWrite } from './fast-remote-write.js';
import type { LanePool } from './lane-pool.js';
import { nativeRemoteWrite } from './native-lane.js';
import { decodeWriteRequest } from './remote-write.js';
import { resolveSeries, resolveWriteBody, type ResolveOptions, type Resolved, type SeriesSamples } from './resolve.js';
import type { SeriesCache } from './series-cache.js';
import { SampleBlockWriter } from './sample-block.js';
import { SnappyBlockError, uncompressBlock } from './snappy-block.js';
import type { PointError, ValidationLimits, WriteBatch } from './types.js';

/**
 * Called with a write's valid point count after validation and before storing; throws to refuse
 * the write (the points-per-second limit).
 */
export type Admit = (points: number) => void;

/** The answer to a write: 200 when every metric was stored, 207 when some were rejected. */
export interface WriteResult {
  status: 200 | 207;
  accepted: number;
  rejected: number;
  errors: PointError[];
  /** Cardinality warnings (limits approaching, high-cardinality patterns, overflow); omitted when none. */
  warnings?: CardinalityWarning[];
}

export interface AcceptorOptions {
  queue: WriteQueue;
  cache: SeriesCache;
  /** Series and metric limits and pattern warnings; none: unlimited. */
  cardinality?: CardinalityGuard;
  limits: ValidationLimits;
  maxBatchSize: number;
  now?: () => number;
  /** Worker threads for remote write's decoding; none: it runs on this thread. */
  lanes?: LanePool;
  /**
   * Remote write through the native lane (native-lane.ts) when it is built and there are no lane
   * workers; @default false (batch_write.native_lane)
   */
  nativeLane?: boolean;
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
  /** Output space the fast lane reuses across requests (requests run one at a time on this thread). */
  /** The lanes' sample writer: its space is kept from request to request. */
  readonly #rows = new SampleBlockWriter();

  constructor(options: AcceptorOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * A write from the raw JSON bytes: the byte-level fast lane when the body is in the common
   * shape and fully valid, else `JSON.parse` and the general path (which reports every error).
   */
  async writeBytes(body: Buffer, tenant: string, admit?: Admit): Promise<WriteResult> {
    const session = this.#o.cardinality?.session(tenant);
    return this.#guarded(session, async () => {
      const batch = fastResolve(body, { ...this.#options(tenant, session), rows: this.#rows });
      if (batch !== null) return this.#store(batch, [], admit, session);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (err) {
        throw commonErrors.create('INVALID_JSON', `request body is not valid JSON: ${(err as Error).message}`);
      }
      return this.#write(parsed, tenant, admit, session);
    });
  }

  async write(body: unknown, tenant: string, admit?: Admit): Promise<WriteResult> {
    const session = this.#o.cardinality?.session(tenant);
    return this.#guarded(session, () => this.#write(body, tenant, admit, session));
  }

  /** Undoes the request's series counts when the write does not complete. */
  async #guarded(session: CardinalitySession | undefined, write: () => Promise<WriteResult>): Promise<WriteResult> {
    try {
      return await write();
    } catch (err) {
      session?.rollback();
      throw err;
    }
  }

  /**
   * A write of series with many samples each (remote write, OTLP, the line protocols). Unlike the
   * JSON write it does not throw when no sample is valid: it answers `accepted: 0` with every
   * error, because each protocol answers that case its own way (a text line, a google.rpc.Status,
   * errors by line number, or a later chunk of the same stream).
   */
  async writeSeries(list: readonly SeriesSamples[], tenant: string, admit?: Admit): Promise<WriteResult> {
    const session = this.#o.cardinality?.session(tenant);
    return this.#guarded(session, () => this.#writeSeries(list, tenant, admit, session));
  }

  /**
   * A Prometheus remote-write request from its decompressed protobuf bytes: the byte-level lane
   * when every sample is valid, else `decodeWriteRequest` and the series path (which reports each
   * error; a malformed protobuf throws INVALID_PAYLOAD). Answers like `writeSeries`.
   */
  async writeRemoteWrite(raw: Buffer, tenant: string, admit?: Admit): Promise<WriteResult> {
    const session = this.#o.cardinality?.session(tenant);
    return this.#guarded(session, () => this.#remoteWrite(raw, tenant, admit, session));
  }

  #remoteWrite(raw: Buffer, tenant: string, admit: Admit | undefined, session: CardinalitySession | undefined): Promise<WriteResult> {
    const fast = fastRemoteWrite(raw, { ...this.#options(tenant, session), rows: this.#rows });
    if (fast !== null) return this.#store(fast.batch, [], admit, session);
    return this.#writeSeries(decodeWriteRequest(raw).series, tenant, admit, session);
  }

  /**
   * A remote-write request as sent: a snappy block (throws SnappyBlockError when it is not one
   * within `maxDecodedBytes`). Decoded by a lane worker when there is one free, else here; the
   * series are resolved here either way, so both give the same batch.
   */
  async writeRemoteWriteBlock(body: Buffer, tenant: string, maxDecodedBytes: number, admit?: Admit): Promise<WriteResult> {
    if (this.#o.nativeLane === true && this.#o.lanes === undefined) {
      const session = this.#o.cardinality?.session(tenant);
      return this.#guarded(session, () => {
        const fast = nativeRemoteWrite(body, maxDecodedBytes, this.#options(tenant, session));
        if (typeof fast === 'object') return this.#store(fast.batch, [], admit, session);
        // Not the native lane's: JavaScript decodes (or throws SnappyBlockError) and decides.
        return this.#remoteWrite(uncompressBlock(body, maxDecodedBytes), tenant, admit, session);
      });
    }
    const now = this.#now();
    const reply = await this.#o.lanes?.run({ body, tenant, now, maxDecodedBytes });
    if (reply === undefined || reply === null || reply.kind === 'failed') return this.writeRemoteWrite(uncompressBlock(body, maxDecodedBytes), tenant, admit);
    if (reply.kind === 'snappy') throw new SnappyBlockError(reply.message, reply.tooBig);
    const raw = Buffer.from(reply.raw.buffer, reply.raw.byteOffset, reply.raw.byteLength);
    const session = this.#o.cardinality?.session(tenant);
    return this.#guarded(session, () => {
      if (reply.kind === 'batch') {
        const spans = new Map(reply.spans.map(([name, earliest, latest]) => [name, { earliest, latest }]));
        const samples = Buffer.from(reply.samples.buffer, reply.samples.byteOffset, reply.samples.byteLength);
        const batch = resolveRecorded({ raw, record: reply.record, samples, points: reply.points, spans }, { ...this.#options(tenant, session), now });
        if (batch !== null) return this.#store(batch, [], admit, session);
      }
      return this.#writeSeries(decodeWriteRequest(raw).series, tenant, admit, session);
    });
  }

  #writeSeries(list: readonly SeriesSamples[], tenant: string, admit: Admit | undefined, session: CardinalitySession | undefined): Promise<WriteResult> {
    const { batch, errors } = resolveSeries(list, this.#options(tenant, session));
    if (batch.points === 0 && errors.length > 0) {
      // Nothing to store: the series it counted were never written.
      session?.rollback();
      return Promise.resolve(this.#result(0, errors, session));
    }
    return this.#store(batch, errors, admit, session);
  }

  async #write(body: unknown, tenant: string, admit: Admit | undefined, session: CardinalitySession | undefined): Promise<WriteResult> {
    return this.#finish(resolveWriteBody(body, this.#options(tenant, session)), admit, session);
  }

  #options(tenant: string, cardinality: CardinalitySession | undefined): ResolveOptions {
    return { tenant, limits: this.#o.limits, maxBatchSize: this.#o.maxBatchSize, now: this.#now(), cache: this.#o.cache, cardinality };
  }

  /** Stores what is valid; a write with nothing valid is a 400 listing why. */
  async #finish({ batch, errors }: Resolved, admit: Admit | undefined, session: CardinalitySession | undefined): Promise<WriteResult> {
    if (batch.points === 0 && errors.length > 0) {
      const code = sharedCode(errors);
      const first = errors[0]!;
      const warnings = session?.warnings ?? [];
      throw ingestErrors.create(
        code,
        errors.length === 1 ? `metric ${first.index} rejected: ${first.error}` : `no metric in the batch was valid (first: index ${first.index}: ${first.error})`,
        { accepted: 0, rejected: errors.length, errors: errors.slice(0, MAX_ERRORS_IN_DETAILS), ...(warnings.length > 0 ? { warnings } : {}) },
      );
    }
    return this.#store(batch, errors, admit, session);
  }

  async #store(batch: WriteBatch, errors: PointError[], admit: Admit | undefined, session: CardinalitySession | undefined): Promise<WriteResult> {
    if (admit !== undefined && batch.points > 0) admit(batch.points);
    await this.#o.queue.enqueue(batch);
    this.#o.cache.markStored(batch.newSeries);
    return this.#result(batch.points, errors, session);
  }

  #result(accepted: number, errors: PointError[], session: CardinalitySession | undefined): WriteResult {
    const result: WriteResult = { status: errors.length > 0 ? 207 : 200, accepted, rejected: errors.length, errors };
    const warnings = session?.warnings;
    if (warnings !== undefined && warnings.length > 0) result.warnings = [...warnings];
    return result;
  }
}
