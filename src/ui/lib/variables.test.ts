import { describe, expect, it } from 'vitest';
import { initialSelection, substitute, usedVariables } from './variables.js';

const q = { queryType: 'aggregate' as const, metricName: 'api_latency', aggregation: 'p95' as const, filters: { customer_id: '$customer_id', region: '$region', tier: 'gold' } };

describe('substitute', () => {
  it('puts one value as a string and several as an array; keeps literal filters', () => {
    expect(substitute(q, { customer_id: ['c1'], region: ['eu', 'us'] }).filters).toEqual({ customer_id: 'c1', region: ['eu', 'us'], tier: 'gold' });
  });
  it('drops a filter whose variable selects nothing (all values)', () => {
    expect(substitute(q, { customer_id: [], region: ['eu'] }).filters).toEqual({ region: 'eu', tier: 'gold' });
    expect(substitute({ ...q, filters: { customer_id: '$customer_id' } }, { customer_id: [] })).toEqual({ queryType: 'aggregate', metricName: 'api_latency', aggregation: 'p95' });
  });
  it('expands variables inside an array filter and leaves unknown ones for the API to report', () => {
    expect(substitute({ ...q, filters: { region: ['$region', 'ap'] } }, { region: ['eu', 'ap'] }).filters).toEqual({ region: ['eu', 'ap'] });
    expect(substitute({ ...q, filters: { region: '$nope' } }, {}).filters).toEqual({ region: '$nope' });
  });
  it('does not touch the panel query it was given', () => {
    const copy = structuredClone(q);
    substitute(q, { customer_id: ['x'], region: [] });
    expect(q).toEqual(copy);
  });
  it('lists the variables a query uses', () => {
    expect(usedVariables(q).sort()).toEqual(['customer_id', 'region']);
  });
});

describe('initialSelection', () => {
  it('uses the default, else the first option (single) or all (multi)', () => {
    expect(initialSelection({ name: 'r', type: 'custom', options: ['a', 'b'], default: 'b' }, ['a', 'b'])).toEqual(['b']);
    expect(initialSelection({ name: 'r', type: 'custom', options: ['a', 'b'], multi: true, default: ['a', 'b'] }, ['a', 'b'])).toEqual(['a', 'b']);
    expect(initialSelection({ name: 'r', type: 'query', query: { queryType: 'listDimensionValues', metricName: 'm', dimension: 'd' } }, ['x', 'y'])).toEqual(['x']);
    expect(initialSelection({ name: 'r', type: 'query', multi: true, query: { queryType: 'listDimensionValues', metricName: 'm', dimension: 'd' } }, ['x'])).toEqual([]);
    expect(initialSelection({ name: 'r', type: 'query', default: 'gone', query: { queryType: 'listDimensionValues', metricName: 'm', dimension: 'd' } }, ['x'])).toEqual(['x']);
  });
});

describe('effectiveQuery', () => {
  it('substitutes variables, inherits the dashboard range and buckets a time-series aggregate', async () => {
    const { effectiveQuery } = await import('./panel-query.js');
    const q = effectiveQuery({ type: 'timeseries', query: { queryType: 'aggregate', metricName: 'm', aggregation: 'avg', filters: { r: '$r' } } }, { relative: '24h' }, { r: ['eu'] });
    expect(q).toEqual({ queryType: 'aggregate', metricName: 'm', aggregation: 'avg', filters: { r: 'eu' }, timeRange: { relative: '24h' }, interval: '10m' });
    // A panel's own range wins; a table keeps the single value per group.
    const t = effectiveQuery({ type: 'table', query: { queryType: 'aggregate', metricName: 'm', aggregation: 'avg', timeRange: { relative: '1h' } } }, { relative: '24h' }, {});
    expect(t).toEqual({ queryType: 'aggregate', metricName: 'm', aggregation: 'avg', timeRange: { relative: '1h' } });
    // Filter rows still being typed are not sent.
    const blank = effectiveQuery({ type: 'table', query: { queryType: 'range', metricName: 'm', filters: { a: '', b: ['x', ''], c: [''] } } }, undefined, {});
    expect(blank.filters).toEqual({ b: 'x' });
  });
});
