import { parentPort, workerData } from 'node:worker_threads';
import { SeriesRecord } from './byte-lane.js';
import { SampleBlockWriter } from './sample-block.js';
import { fastRemoteWrite } from './fast-remote-write.js';
import type { LaneReply, LaneRequest, LaneWorkerData } from './lane-pool.js';
import { SeriesCache } from './series-cache.js';
import { SnappyBlockError, uncompressBlock } from './snappy-block.js';

/**
 * A lane worker (lane-pool.ts): decompresses remote-write requests and runs the byte-level lane
 * on them — protobuf, validation, series hashes, sample rows — recording each series for the main
 * thread, which owns the series cache and the cardinality counts. Holds no state that matters:
 * the id-text memo only saves formatting work.
 */
const { limits, maxBatchSize } = workerData as LaneWorkerData;
const port = parentPort!;
/** Never consulted: a recording lane leaves every series to the main thread. */
const noCache = new SeriesCache(1);
const record = new SeriesRecord();
const rows = new SampleBlockWriter();

/** An exact-size copy whose memory can be transferred (a Buffer may sit in a shared pool). */
function own(b: Uint8Array): Uint8Array {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b;
  const out = new Uint8Array(b.byteLength);
  out.set(b);
  return out;
}

port.on('message', (m: LaneRequest) => {
  let reply: LaneReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const raw = uncompressBlock(m.body, m.maxDecodedBytes);
    record.length = 0;
    const fast = fastRemoteWrite(raw, { tenant: m.tenant, limits, maxBatchSize, now: m.now, cache: noCache, rows, record });
    const bytes = own(raw);
    transfer.push(bytes.buffer as ArrayBuffer);
    if (fast === null) {
      reply = { id: m.id, kind: 'general', raw: bytes };
    } else {
      const samples = own(fast.batch.samples);
      const words = record.words.slice(0, record.length);
      transfer.push(samples.buffer as ArrayBuffer, words.buffer);
      const spans: [string, number, number][] = [];
      for (const [name, s] of fast.batch.spans) spans.push([name, s.earliest, s.latest]);
      reply = { id: m.id, kind: 'batch', raw: bytes, samples, record: words, points: fast.batch.points, spans };
    }
  } catch (err) {
    if (err instanceof SnappyBlockError) reply = { id: m.id, kind: 'snappy', message: err.message, tooBig: err.tooBig };
    else reply = { id: m.id, kind: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply, transfer);
});
