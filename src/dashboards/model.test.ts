import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDashboard, slugOf } from './model.js';

const seed = JSON.parse(readFileSync(new URL('../../test/fixtures/seed-dashboard.json', import.meta.url), 'utf8')) as { dashboard: Record<string, unknown> };
const clone = () => structuredClone(seed) as { dashboard: Record<string, unknown> & { panels: Record<string, unknown>[]; variables: Record<string, unknown>[] } };

function failure(body: unknown): { code: string; field: unknown } {
  try {
    parseDashboard(body, { requireId: false });
  } catch (err) {
    const e = err as { code: string; details: { field?: unknown } };
    return { code: e.code, field: e.details.field };
  }
  throw new Error('accepted');
}

describe('parseDashboard', () => {
  it("accepts the seed's example dashboard as is, wrapped or bare, and returns it unchanged", () => {
    expect(parseDashboard(seed, { requireId: true })).toEqual(seed.dashboard);
    expect(parseDashboard(seed.dashboard, { requireId: true })).toEqual(seed.dashboard);
  });

  it("accepts the seed's template variables used in filters, multi-value included", () => {
    const d = clone();
    d.dashboard.variables.push({ name: 'region', label: 'Region', type: 'custom', options: ['us-west-2', 'us-east-1', 'eu-west-1'], multi: true, default: 'us-west-2' });
    d.dashboard.panels[1]!.query = { queryType: 'aggregate', metricName: 'api_latency', filters: { customer_id: '$customer_id', region: '$region' }, aggregation: 'p95' };
    expect(() => parseDashboard(d, { requireId: true })).not.toThrow();
  });

  it.each<[string, (d: ReturnType<typeof clone>) => void, string]>([
    ['an unknown top-level field', (d) => (d.dashboard.owner = 'x'), 'dashboard.owner'],
    ['a missing title', (d) => delete d.dashboard.title, 'dashboard.title'],
    ['a bad id', (d) => (d.dashboard.id = '../etc'), 'dashboard.id'],
    ['a bad refresh interval', (d) => (d.dashboard.refreshInterval = 'often'), 'dashboard.refreshInterval'],
    ['a bad time range', (d) => (d.dashboard.timeRange = { relative: 'yesterday' }), 'dashboard.timeRange'],
    ['an unknown panel type', (d) => (d.dashboard.panels[0]!.type = 'pie'), 'dashboard.panels[0].type'],
    ['a panel past the 24th column', (d) => (d.dashboard.panels[1]!.gridPosition = { x: 12, y: 0, w: 13, h: 4 }), 'dashboard.panels[1].gridPosition'],
    ['a zero-width panel', (d) => (d.dashboard.panels[1]!.gridPosition = { x: 0, y: 0, w: 0, h: 4 }), 'dashboard.panels[1].gridPosition.w'],
    ['a duplicate panel id', (d) => (d.dashboard.panels[1]!.id = 'panel_1'), 'dashboard.panels[1].id'],
    ['a panel query with a bad aggregation', (d) => ((d.dashboard.panels[1]!.query as Record<string, unknown>).aggregation = 'p42'), 'dashboard.panels[1].query.aggregation'],
    ['a listDimensionValues panel', (d) => (d.dashboard.panels[0]!.query = { queryType: 'listDimensionValues', metricName: 'x', dimension: 'y' }), 'dashboard.panels[0].query.queryType'],
    ['an undefined variable', (d) => ((d.dashboard.panels[1]!.query as Record<string, unknown>).filters = { region: '$region' }), 'dashboard.panels[1].query.filters.region'],
    ['decimals past 10', (d) => (d.dashboard.panels[0]!.display = { decimals: 11 }), 'dashboard.panels[0].display.decimals'],
    ['a threshold that is not a number', (d) => (d.dashboard.panels[0]!.display = { threshold: { warning: '200' } }), 'dashboard.panels[0].display.threshold.warning'],
    ['a legend position', (d) => (d.dashboard.panels[0]!.display = { legend: { position: 'top' } }), 'dashboard.panels[0].display.legend.position'],
    ['a variable of unknown type', (d) => (d.dashboard.variables[0]!.type = 'interval'), 'dashboard.variables[0].type'],
    ['a custom variable without options', (d) => d.dashboard.variables.push({ name: 'r', type: 'custom', options: [] }), 'dashboard.variables[1].options'],
    ['a variable defined twice', (d) => d.dashboard.variables.push({ name: 'customer_id', type: 'custom', options: ['a'] }), 'dashboard.variables[1].name'],
    ['an array default without multi', (d) => d.dashboard.variables.push({ name: 'r', type: 'custom', options: ['a'], default: ['a'] }), 'dashboard.variables[1].default'],
    ['a variable query of another type', (d) => ((d.dashboard.variables[0]!.query as Record<string, unknown>).queryType = 'range'), 'dashboard.variables[0].query.queryType'],
  ])('rejects %s, naming the field', (_, mutate, field) => {
    const d = clone();
    mutate(d);
    expect(failure(d)).toEqual({ code: 'INVALID_DASHBOARD', field });
  });

  it('rejects non-objects', () => {
    expect(failure('x').code).toBe('INVALID_DASHBOARD');
    expect(failure({ dashboard: [] }).code).toBe('INVALID_DASHBOARD');
    expect(failure({ dashboard: seed.dashboard, extra: 1 }).field).toBe('document.extra');
  });

  it('makes readable ids from titles', () => {
    expect(slugOf('Customer Performance Overview')).toBe('customer-performance-overview');
    expect(slugOf('  Ünïcode & stuff!  ')).toBe('unicode-stuff');
    expect(slugOf('***')).toBe('dashboard');
  });
});
