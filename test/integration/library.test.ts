import { describe, expect, it } from 'vitest';
import { openLuminate } from '../../src/index.js';
import { tempDir } from '../helpers/server.js';

describe('openLuminate (embedded library, no HTTP)', () => {
  it('writes, queries and discovers on a data directory', async () => {
    const dataDir = tempDir();
    const lm = await openLuminate({ dataDir, config: { batch_write: { flush_interval: '5ms' } } });
    const now = Date.now();
    const r = await lm.write({
      metrics: [
        { name: 'lib_latency', timestamp: now - 1000, value: 10, dimensions: { customer_id: 'a' } },
        { name: 'lib_latency', timestamp: now, value: 30, dimensions: { customer_id: 'a' } },
        { name: 'lib_latency', timestamp: now, value: 5, dimensions: { customer_id: 'b' } },
        { name: 'lib-latency', timestamp: now, value: 5 },
      ],
    });
    expect(r).toMatchObject({ status: 207, accepted: 3, rejected: 1 });
    const q = await lm.query({ queryType: 'aggregate', metricName: 'lib_latency', aggregation: 'avg', groupBy: ['customer_id'] });
    expect(q.queryType === 'aggregate' && q.results.map((x) => [x.groupKey.customer_id, x.value, x.count])).toEqual([['a', 20, 2], ['b', 5, 1]]);
    expect(await lm.listMetrics()).toEqual(['lib_latency']);
    expect(await lm.listDimensions('lib_latency')).toEqual(['customer_id']);
    expect(await lm.listDimensionValues('lib_latency', 'customer_id')).toEqual(['a', 'b']);
    expect((await lm.health()).status).toBe('healthy');
    await expect(lm.query({ queryType: 'rate', metricName: 'lib_latency' })).rejects.toMatchObject({ code: 'INVALID_QUERY', status: 400 });
    await lm.close();

    // Reopening runs the migrations again (they are idempotent) and finds the data.
    const again = await openLuminate({ dataDir });
    const r2 = await again.query({ queryType: 'aggregate', metricName: 'lib_latency', aggregation: 'count' });
    expect(r2.queryType === 'aggregate' && r2.results[0]?.count).toBe(3);
    await again.close();
  });
});
