import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, type WatchedPage } from '../helpers/browser.js';
import { postJson, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The web UI end to end: Debian's Chromium driven by playwright-core against a real server and
 * engine. Every test fails on any console error; each page is saved to test-output/screenshots.
 */
const seedText = readFileSync(new URL('../fixtures/seed-dashboard.json', import.meta.url), 'utf8');
const seed = JSON.parse(seedText) as { dashboard: Record<string, unknown> };
let s: TestServer;
let browser: Browser;
let w: WatchedPage;
const NOW = Date.now();
const CUSTOMERS = ['c1', 'c2', 'c3'];
const REGIONS = ['eu', 'us'];

beforeAll(async () => {
  s = await startTestServer({ batch_write: { flush_interval: '5ms' }, live: { coalesce_interval: '100ms' } });
  const metrics: unknown[] = [];
  for (let i = 0; i < 60; i++) {
    const timestamp = NOW - i * 30_000;
    for (const customer_id of CUSTOMERS) {
      for (const region of REGIONS) {
        metrics.push({ name: 'api_latency', timestamp, value: 100 + ((i * 7) % 13) + CUSTOMERS.indexOf(customer_id) * 40, dimensions: { customer_id, region } });
        metrics.push({ name: 'api_requests', timestamp, value: 1, dimensions: { customer_id, region } });
      }
      metrics.push({ name: 'total_requests', timestamp, value: 10_000 - i * 10 * (1 + CUSTOMERS.indexOf(customer_id)), dimensions: { customer_id } });
    }
  }
  expect((await postJson(`${s.url}/api/v1/write`, { metrics })).status).toBe(200);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});
afterEach(async () => {
  const errors = w.errors.splice(0);
  await w.page.context().close();
  expect(errors, 'console errors').toEqual([]);
});

async function open(hash: string, colorScheme: 'light' | 'dark' = 'light'): Promise<WatchedPage> {
  w = await openPage(browser, { colorScheme });
  await w.page.goto(`${s.url}/${hash}`);
  return w;
}
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${s.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
}

describe('explorer', () => {
  it('charts one series per group, switches to a table, and shows the JSON query', async () => {
    const { page, screenshot } = await open('#/explore');
    await page.getByTestId('metric-input').fill('api_latency');
    await page.getByRole('checkbox', { name: 'customer_id' }).check();
    await expect.poll(() => page.getByTestId('chart').getAttribute('data-series')).toBe('3');
    await page.getByRole('checkbox', { name: 'region' }).check();
    await expect.poll(() => page.getByTestId('chart').getAttribute('data-series')).toBe('6');
    // The legend lists the series (plus the time column).
    expect(await page.locator('.u-legend .u-series').count()).toBe(7);
    const json = JSON.parse((await page.getByTestId('query-json').textContent()) ?? '') as Record<string, unknown>;
    expect(json).toMatchObject({ queryType: 'aggregate', metricName: 'api_latency', aggregation: 'avg', groupBy: ['customer_id', 'region'], timeRange: { relative: '1h' } });
    expect(json.interval).toBe('30s'); // a time-series view buckets the aggregate automatically
    // The same JSON, posted to the API, answers what the chart drew.
    const direct = await api('POST', '/api/v1/query', json);
    expect(new Set((direct.json as { results: { groupKey: Record<string, string> }[] }).results.map((r) => JSON.stringify(r.groupKey))).size).toBe(6);
    await screenshot('explore-chart');

    await page.getByRole('button', { name: 'Table' }).click();
    await expect.poll(() => page.locator('[data-testid=rows] tbody tr').count()).toBe(6);
    // Filters with value autocomplete from the discovery API.
    await page.getByTestId('add-filter').click();
    await page.getByLabel('Filter dimension').selectOption('customer_id');
    await page.getByTestId('filter-value').fill('c2');
    await expect.poll(() => page.locator('[data-testid=rows] tbody tr').count()).toBe(2);
    expect(await page.locator('datalist option[value=c2]').count()).toBeGreaterThan(0);
    await screenshot('explore-table');
  });

  it('shows the server’s error message for a query the API refuses', async () => {
    const bad = encodeURIComponent(JSON.stringify({ queryType: 'rate', metricName: 'total_requests', interval: '1s', timeRange: { relative: '30d' } }));
    const { page } = await open(`#/explore?q=${bad}`);
    await expect.poll(() => page.getByTestId('result').getAttribute('data-state')).toBe('error');
    expect(await page.getByTestId('error').textContent()).toBe('RESULT_TOO_LARGE 2592001 buckets of 1s exceed 10000 result points; widen the interval');
    // A refused query is an answer the UI shows, not a console error: drop Chromium's resource line.
    w.errors.splice(0, w.errors.length, ...w.errors.filter((e) => !e.includes('status of 400')));
  });
});

describe('dashboards', () => {
  it('creates a dashboard, adds and edits a panel, saves, and the server has it', async () => {
    const { page, screenshot } = await open('#/dashboards');
    await page.getByTestId('new-dashboard-title').fill('Edge fleet');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('add-panel').click();
    await page.getByTestId('panel-title').fill('p95 latency by customer');
    await page.getByTestId('panel-editor').getByTestId('metric-input').fill('api_latency');
    await page.getByTestId('aggregation').selectOption('p95');
    await page.getByTestId('panel-editor').getByRole('checkbox', { name: 'customer_id' }).check();
    await page.getByTestId('panel-apply').click();
    await expect.poll(() => page.getByTestId('panel').getAttribute('data-state')).toBe('ready');
    await page.getByTestId('save-dashboard').click();
    await expect.poll(async () => (await api('GET', '/api/v1/dashboards/edge-fleet')).status).toBe(200);
    const stored = (await api('GET', '/api/v1/dashboards/edge-fleet')).json as { dashboard: { panels: { title: string; type: string; query: unknown; gridPosition: unknown }[] } };
    expect(stored.dashboard.panels).toEqual([
      { id: 'panel_1', title: 'p95 latency by customer', type: 'timeseries', gridPosition: { x: 0, y: 0, w: 12, h: 4 }, query: { queryType: 'aggregate', metricName: 'api_latency', aggregation: 'p95', groupBy: ['customer_id'] } },
    ]);
    await expect.poll(() => page.getByTestId('chart').getAttribute('data-series')).toBe('3');
    await screenshot('dashboard-new');

    // Edit: rename, change the panel to a table, save; the reloaded page shows it.
    await page.getByTestId('edit-dashboard').click();
    await page.getByTestId('dashboard-title-input').fill('Edge fleet (EU)');
    await page.getByTestId('edit-panel').click();
    await page.getByTestId('panel-type').selectOption('table');
    await page.getByLabel('Panel width').fill('24'); // the keyboard way to resize
    await page.getByTestId('panel-apply').click();
    await page.getByTestId('save-dashboard').click();
    await expect.poll(async () => ((await api('GET', '/api/v1/dashboards/edge-fleet')).json as { dashboard: { title: string } }).dashboard.title).toBe('Edge fleet (EU)');
    const edited = (await api('GET', '/api/v1/dashboards/edge-fleet')).json as { dashboard: { panels: { type: string; gridPosition: unknown }[] } };
    expect(edited.dashboard.panels.map((p) => [p.type, p.gridPosition])).toEqual([['table', { x: 0, y: 0, w: 24, h: 4 }]]);
    await page.goto(`${s.url}/#/dashboards/edge-fleet`);
    await page.reload();
    await expect.poll(() => page.locator('[data-testid=rows] tbody tr').count()).toBe(3);
    expect(await page.getByTestId('dashboard-title').textContent()).toBe('Edge fleet (EU)');
  });

  it("imports the seed's dashboard, shows its panels, and exports it unchanged", async () => {
    const { page, screenshot } = await open('#/dashboards');
    await page.getByRole('button', { name: 'Import JSON' }).click();
    await page.getByTestId('import-json').fill(seedText);
    await page.getByTestId('import-submit').click();
    await expect.poll(() => page.getByTestId('dashboard-title').textContent()).toBe('Customer Performance Overview');
    await expect.poll(() => page.locator('[data-testid=panel][data-state=ready]').count()).toBe(3);
    await page.getByTestId('export-dashboard').click();
    const exported = JSON.parse(await page.getByTestId('export-json').inputValue()) as unknown;
    expect(exported).toEqual(seed);
    await screenshot('dashboard-seed');
    // Duplicate and delete from the list.
    await page.goto(`${s.url}/#/dashboards`);
    const row = page.locator('tr[data-id=customer_overview]');
    await row.getByRole('button', { name: 'Duplicate' }).click();
    await expect.poll(() => page.locator('[data-testid=dashboard-list] tbody tr').count()).toBe(3);
    await screenshot('dashboards');
    const copy = page.locator('tr', { hasText: 'Customer Performance Overview (copy)' });
    await copy.getByRole('button', { name: 'Delete' }).click();
    await copy.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(() => page.locator('[data-testid=dashboard-list] tbody tr').count()).toBe(2);
  });

  it('variables change the data shown, single and multi-select', async () => {
    const dashboard = {
      id: 'by-region',
      title: 'Requests by region',
      timeRange: { relative: '1h' },
      panels: [
        { id: 'p1', title: 'Requests', type: 'table', gridPosition: { x: 0, y: 0, w: 24, h: 4 }, query: { queryType: 'aggregate', metricName: 'api_requests', aggregation: 'count', groupBy: ['customer_id', 'region'], filters: { region: '$region', customer_id: '$customer' } } },
      ],
      variables: [
        { name: 'region', label: 'Region', type: 'custom', options: ['eu', 'us'], multi: true, default: ['eu'] },
        { name: 'customer', label: 'Customer', type: 'query', query: { queryType: 'listDimensionValues', metricName: 'api_requests', dimension: 'customer_id', limit: 100 } },
      ],
    };
    expect((await api('POST', '/api/v1/dashboards', { dashboard })).status).toBe(201);
    const { page, screenshot } = await open('#/dashboards/by-region');
    const rows = page.locator('[data-testid=rows] tbody tr');
    // Defaults: region eu; customer is a single-select query variable starting at its first value.
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByTestId('var-customer').selectOption('');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByTestId('var-region').selectOption(['eu', 'us']);
    await expect.poll(() => rows.count()).toBe(6);
    await page.getByTestId('var-customer').selectOption('c3');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('customer_id=c3, region=eu'), expect.stringContaining('customer_id=c3, region=us')]));
    await screenshot('dashboard-variables');
  });
});

describe('live', () => {
  it('a point written through the API appears on a live dashboard within 2 s, without polling', async () => {
    const dashboard = {
      id: 'live',
      title: 'Live',
      timeRange: { relative: '15m' },
      refreshInterval: 'off',
      panels: [
        { id: 'raw', title: 'Raw points', type: 'table', gridPosition: { x: 0, y: 0, w: 12, h: 4 }, query: { queryType: 'range', metricName: 'ui_live' } },
        { id: 'avg', title: 'Average per 10s', type: 'timeseries', gridPosition: { x: 12, y: 0, w: 12, h: 4 }, query: { queryType: 'aggregate', metricName: 'ui_live', aggregation: 'avg', interval: '10s' } },
      ],
    };
    expect((await api('POST', '/api/v1/dashboards', { dashboard })).status).toBe(201);
    expect((await postJson(`${s.url}/api/v1/write`, { metrics: [{ name: 'ui_live', timestamp: Date.now() - 60_000, value: 1 }] })).status).toBe(200);
    const { page, screenshot } = await open('#/dashboards/live', 'dark');
    const raw = page.locator('[data-panel-id=raw]');
    await expect.poll(() => raw.getAttribute('data-points')).toBe('1');
    await page.getByTestId('live-toggle').click();
    await expect.poll(() => page.getByTestId('dashboard').getAttribute('data-live')).toBe('open');
    // Count the page's queries from here on: only tails, and only after a push.
    let queries = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/query')) queries++;
    });
    await page.waitForTimeout(1_500);
    expect(queries).toBe(0); // no polling loop
    const written = Date.now();
    expect((await postJson(`${s.url}/api/v1/write`, { metrics: [{ name: 'ui_live', timestamp: written, value: 42 }] })).status).toBe(200);
    await expect.poll(() => raw.getAttribute('data-points'), { timeout: 2_000, interval: 50 }).toBe('2');
    expect(Date.now() - written).toBeLessThan(2_000);
    await expect.poll(() => raw.locator('tbody tr').first().textContent()).toContain('42');
    await expect.poll(() => page.locator('[data-panel-id=avg] .badge.live').count()).toBe(1);
    expect(queries).toBe(2); // one tail per panel
    await screenshot('dashboard-live-dark');
  });
});

describe('cardinality', () => {
  it('shows series per metric against the limits', async () => {
    const { page, screenshot } = await open('#/cardinality');
    await expect.poll(() => page.locator('[data-testid=top-metrics] tbody tr').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('[data-testid=top-metrics]').textContent()).toContain('api_latency');
    await screenshot('cardinality');
  });
});
