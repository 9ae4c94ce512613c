import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ValidationLimits } from './types.js';

/**
 * Lane workers: threads that take the CPU-heavy part of a Prometheus remote-write request off the
 * main thread — snappy, the protobuf, validation, series hashes and the sample rows (on the bench
 * workload the main thread's share fell from 2.8 to 1.1 µs per sample, docs/benchmarks.md). The main thread keeps
 * what must be one place: the series cache, the cardinality counts and the write queue; for each
 * series a worker recorded it does one cache probe (`resolveRecorded`).
 *
 * A request goes to the worker with the fewest in flight. When every worker already has
 * `MAX_IN_FLIGHT` requests, when a worker fails or exits, or when no worker could be started,
 * the request is decoded on the main thread instead: the same lane and the same answers, only
 * slower, so nothing is lost and intake slows down by itself under overload.
 */

export interface LaneWorkerData {
  limits: ValidationLimits;
  maxBatchSize: number;
}

export interface LaneRequest {
  id: number;
  /** The compressed body (copied to the worker; the caller keeps its own for a fallback). */
  body: Uint8Array;
  tenant: string;
  now: number;
  maxDecodedBytes: number;
}

export type LaneReply =
  /** The lane took it: sample rows and spans are final, series are recorded for `resolveRecorded`. */
  | { id: number; kind: 'batch'; raw: Uint8Array; samples: Uint8Array; record: Uint32Array; points: number; spans: [string, number, number][] }
  /** The lane refused it (an invalid sample, an unusual label, a malformed protobuf): the general path decides. */
  | { id: number; kind: 'general'; raw: Uint8Array }
  /** Not a snappy block, or one past the size limit. */
  | { id: number; kind: 'snappy'; message: string; tooBig: boolean }
  /** The worker threw or went away: the caller decodes the request itself. */
  | { id: number; kind: 'failed'; message: string };

export interface LanePoolOptions extends LaneWorkerData {
  size: number;
  onEvent?: (level: 'warn' | 'error', info: Record<string, unknown>, msg: string) => void;
}

/** Requests queued on one worker before the main thread decodes the next one itself. */
const MAX_IN_FLIGHT = 4;
/** A worker that exits this soon after starting, this many times in a row, is not started again. */
const EARLY_EXIT_MS = 1000;
const MAX_EARLY_EXITS = 3;

interface Slot {
  worker: Worker | null;
  pending: Map<number, (r: LaneReply) => void>;
  startedAt: number;
  earlyExits: number;
}

/**
 * The compiled worker script. Run from the sources (the test runner), this module has no compiled
 * neighbour, so it uses the build's (`npm test` builds first); null when there is neither.
 */
export function laneWorkerScript(): URL | null {
  for (const candidate of ['./lane-worker.js', '../../dist/src/ingest/lane-worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  return null;
}

/**
 * `batch_write.lane_workers` as a count. auto: none below 4 cores — on 2 cores the workers took the
 * main thread from 5.6 to 2.2 CPU-s per 2 M remote-write points but ingest was no faster (both
 * cores were busy with the engine) and cost ~12% more CPU (docs/benchmarks.md) — else the cores
 * beyond the main thread and the engine's share, at most 4.
 */
export function laneWorkersOf(setting: 'auto' | number, cores = availableParallelism()): number {
  if (setting !== 'auto') return setting;
  return cores < 4 ? 0 : Math.min(cores - 2, 4);
}

export class LanePool {
  readonly #o: LanePoolOptions;
  readonly #script: URL | null;
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: LanePoolOptions) {
    this.#o = options;
    this.#script = laneWorkerScript();
    if (this.#script === null) {
      options.onEvent?.('warn', {}, 'lane workers: no compiled lane-worker.js (run npm run build); remote write is decoded on the main thread');
      return;
    }
    for (let i = 0; i < options.size; i++) {
      const slot: Slot = { worker: null, pending: new Map(), startedAt: 0, earlyExits: 0 };
      this.#slots.push(slot);
      this.#start(slot);
    }
  }

  /** Workers running now. */
  get size(): number {
    return this.#slots.filter((s) => s.worker !== null).length;
  }

  /** Sends a request to the least busy worker; null when none can take it (decode it on this thread). */
  run(req: Omit<LaneRequest, 'id'>): Promise<LaneReply> | null {
    let best: Slot | null = null;
    for (const s of this.#slots) {
      if (s.worker === null || s.pending.size >= MAX_IN_FLIGHT) continue;
      if (best === null || s.pending.size < best.pending.size) best = s;
    }
    if (best === null || this.#closed) return null;
    const slot = best;
    const id = this.#nextId++;
    return new Promise<LaneReply>((resolve) => {
      slot.pending.set(id, resolve);
      // An exact copy: a view into a larger (pooled) buffer would clone all of it.
      const body = req.body.byteOffset === 0 && req.body.byteLength === req.body.buffer.byteLength ? req.body : req.body.slice();
      slot.worker!.postMessage({ ...req, body, id } satisfies LaneRequest);
    });
  }

  /** Ends worker `index` the way a crash would (its requests fall back, it is restarted): for tests. */
  async terminateWorker(index: number): Promise<void> {
    await this.#slots[index]?.worker?.terminate();
  }

  /** Stops the workers; requests still with them are answered `failed` (their callers decode them). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map(async (s) => void (await s.worker?.terminate())));
  }

  #start(slot: Slot): void {
    const data: LaneWorkerData = { limits: this.#o.limits, maxBatchSize: this.#o.maxBatchSize };
    const worker = new Worker(this.#script!, { workerData: data });
    slot.worker = worker;
    slot.startedAt = performance.now();
    worker.unref(); // never what keeps the process alive
    worker.on('message', (r: LaneReply) => {
      const done = slot.pending.get(r.id);
      if (done === undefined) return;
      slot.pending.delete(r.id);
      if (r.kind === 'failed') this.#o.onEvent?.('error', { error: r.message }, 'lane worker failed on a request; it was decoded on the main thread');
      done(r);
    });
    worker.on('error', (err) => {
      if (!this.#closed) this.#o.onEvent?.('error', { error: err.stack ?? err.message }, 'lane worker crashed');
    });
    worker.on('exit', (code) => {
      if (slot.worker === worker) slot.worker = null;
      const orphans = [...slot.pending];
      slot.pending.clear();
      for (const [id, done] of orphans) done({ id, kind: 'failed', message: `lane worker exited (${code})` });
      if (this.#closed) return;
      slot.earlyExits = performance.now() - slot.startedAt < EARLY_EXIT_MS ? slot.earlyExits + 1 : 0;
      if (slot.earlyExits >= MAX_EARLY_EXITS) {
        this.#o.onEvent?.('error', { code, exits: slot.earlyExits }, 'lane worker keeps exiting at start; not restarting it (its share is decoded on the main thread)');
        return;
      }
      this.#o.onEvent?.('warn', { code, in_flight: orphans.length }, 'lane worker exited; restarting it');
      this.#start(slot);
    });
  }
}
