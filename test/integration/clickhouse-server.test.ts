import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLuminate } from '../../src/luminate.js';

/**
 * Opt-in (DESIGN "Dev services"): no ClickHouse server can be installed on these machines, so the
 * server path — which differs from the embedded one only in @clickhouse/client's HTTP transport —
 * is exercised here when LUMINATE_TEST_CLICKHOUSE_URL points at one.
 */
const url = process.env.LUMINATE_TEST_CLICKHOUSE_URL;

describe.skipIf(url === undefined)('against a ClickHouse server (LUMINATE_TEST_CLICKHOUSE_URL)', () => {
  it('migrates, writes, queries and discovers', async () => {
    const database = `luminate_test_${randomUUID().replaceAll('-', '')}`;
    const config = loadConfig({ overrides: { storage: { database, clickhouse: { url } }, batch_write: { flush_interval: '5ms' } } });
    const lm = await createLuminate(config);
    try {
      const now = Date.now();
      const r = await lm.write({ metrics: [1, 2, 3].map((v, i) => ({ name: 'srv_latency', timestamp: now - i, value: v, dimensions: { customer_id: i === 0 ? 'a' : 'b' } })) });
      expect(r).toMatchObject({ status: 200, accepted: 3 });
      const q = await lm.query({ queryType: 'aggregate', metricName: 'srv_latency', aggregation: 'sum', groupBy: ['customer_id'] });
      expect(q.queryType === 'aggregate' && q.results.map((x) => [x.groupKey.customer_id, x.value])).toEqual([['b', 5], ['a', 1]]);
      expect(await lm.listDimensionValues('srv_latency', 'customer_id')).toEqual(['b', 'a']);
      expect((await lm.health()).storage).toMatchObject({ backend: 'clickhouse', status: 'healthy' });
    } finally {
      await lm.store.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await lm.close();
    }
  });
});
