import { defineErrors, LuminateError } from '../errors.js';
import { NAME_PATTERN } from '../ingest/index.js';
import { DEFAULT_QUERY_LIMITS, parseQuery, type QueryLimits } from '../query/model.js';
import { parseDuration } from '../query/time.js';
import { GRID_COLUMNS, PANEL_TYPES, type Dashboard, type Panel, type Variable } from './types.js';

export const dashboardErrors = defineErrors({
  INVALID_DASHBOARD: { status: 400, description: 'The dashboard document does not follow the seed format: details.field names the first offending field (a panel query is checked like POST /api/v1/query).' },
  DASHBOARD_NOT_FOUND: { status: 404, description: 'No dashboard with that id exists for this tenant.' },
  DASHBOARD_EXISTS: { status: 409, description: 'A dashboard with that id already exists for this tenant; PUT replaces it, or POST another id.' },
});

export const DASHBOARD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const MAX_PANELS = 100;
export const MAX_VARIABLES = 20;
const MAX_TAGS = 20;
const MAX_OPTIONS = 1_000;
/**
 * Dashboard queries are checked for shape only: limits that depend on the clock or on the time
 * range picked when the dashboard is viewed (range length, bucket count, groups) are the query's.
 */
const SHAPE_ONLY: QueryLimits = { ...DEFAULT_QUERY_LIMITS, maxRangeMs: Number.MAX_SAFE_INTEGER, maxResultPoints: Number.MAX_SAFE_INTEGER, maxGroups: Number.MAX_SAFE_INTEGER };

function invalid(message: string, field: string, received?: unknown): never {
  throw dashboardErrors.create('INVALID_DASHBOARD', `${field}: ${message}`, received === undefined ? { field } : { field, received });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function only(o: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) invalid(`unknown field ${k}`, `${at}.${k}`);
}

function text(v: unknown, field: string, max: number, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || (required && v.trim().length === 0) || v.length > max) invalid(`must be a${required ? ' non-empty' : ''} string of at most ${max} characters`, field, v);
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`must be an integer from ${min} to ${max}`, field, v);
  return v;
}

/** `$name` references in a panel query's filter values. */
export function variableRefs(value: string | string[]): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v) => v.startsWith('$')).map((v) => v.slice(1));
}

/**
 * Validates a dashboard in the seed's format (`{"dashboard": {...}}` or the bare dashboard).
 * Strict like the query API: unknown fields are errors naming the field. Returns the dashboard as
 * given (not normalised), so an export equals the import.
 */
export function parseDashboard(body: unknown, opts: { requireId: boolean }): Dashboard {
  const doc = isObject(body) && 'dashboard' in body ? body.dashboard : body;
  if (isObject(body) && 'dashboard' in body) only(body, ['dashboard'], 'document');
  if (!isObject(doc)) invalid('must be a JSON object', 'dashboard');
  only(doc, ['id', 'title', 'description', 'tags', 'timeRange', 'refreshInterval', 'panels', 'variables'], 'dashboard');

  if (doc.id !== undefined || opts.requireId) {
    if (typeof doc.id !== 'string' || !DASHBOARD_ID.test(doc.id)) invalid(`must match ${DASHBOARD_ID.source}`, 'dashboard.id', doc.id);
  }
  text(doc.title, 'dashboard.title', 200, true);
  text(doc.description, 'dashboard.description', 2_000, false);
  if (doc.tags !== undefined) {
    if (!Array.isArray(doc.tags) || doc.tags.length > MAX_TAGS) invalid(`must be an array of at most ${MAX_TAGS} tags`, 'dashboard.tags');
    doc.tags.forEach((t, i) => text(t, `dashboard.tags[${i}]`, 64, true));
  }
  if (doc.timeRange !== undefined) checkTimeRange(doc.timeRange, 'dashboard.timeRange');
  if (doc.refreshInterval !== undefined && doc.refreshInterval !== 'off') {
    const ms = typeof doc.refreshInterval === 'string' ? parseDuration(doc.refreshInterval, ['s', 'm', 'h', 'd']) : null;
    if (ms === null || ms < 1_000) invalid('must be "off" or a duration of at least 1s, such as 30s or 5m', 'dashboard.refreshInterval', doc.refreshInterval);
  }

  const variables = doc.variables ?? [];
  if (!Array.isArray(variables) || variables.length > MAX_VARIABLES) invalid(`must be an array of at most ${MAX_VARIABLES} variables`, 'dashboard.variables');
  const names = new Set<string>();
  variables.forEach((v, i) => {
    const name = checkVariable(v, `dashboard.variables[${i}]`).name;
    if (names.has(name)) invalid(`variable ${name} is defined twice`, `dashboard.variables[${i}].name`, name);
    names.add(name);
  });

  if (!Array.isArray(doc.panels) || doc.panels.length > MAX_PANELS) invalid(`must be an array of at most ${MAX_PANELS} panels`, 'dashboard.panels');
  const ids = new Set<string>();
  doc.panels.forEach((p, i) => {
    const id = checkPanel(p, `dashboard.panels[${i}]`, names).id;
    if (ids.has(id)) invalid(`panel id ${id} is used twice`, `dashboard.panels[${i}].id`, id);
    ids.add(id);
  });
  return doc as unknown as Dashboard;
}

function checkTimeRange(v: unknown, at: string): void {
  if (!isObject(v)) invalid('must be an object with relative, or start and end', at);
  only(v, ['relative', 'start', 'end'], at);
  // The query API's own rules decide; only the shape matters here.
  try {
    parseQuery({ queryType: 'range', metricName: 'x', timeRange: v }, 'default', SHAPE_ONLY, Date.now());
  } catch (err) {
    if (err instanceof LuminateError) invalid(err.message, at);
    throw err;
  }
}

function checkVariable(v: unknown, at: string): Variable {
  if (!isObject(v)) invalid('must be an object', at);
  only(v, ['name', 'label', 'type', 'query', 'options', 'multi', 'default'], at);
  if (typeof v.name !== 'string' || v.name.length > 64 || !NAME_PATTERN.test(v.name)) invalid(`must match ${NAME_PATTERN.source} (at most 64 characters)`, `${at}.name`, v.name);
  text(v.label, `${at}.label`, 200, false);
  if (v.multi !== undefined && typeof v.multi !== 'boolean') invalid('must be true or false', `${at}.multi`, v.multi);
  if (v.default !== undefined) {
    const d = Array.isArray(v.default) ? v.default : [v.default];
    if (d.some((x) => typeof x !== 'string' || x.length > 256)) invalid('must be a string or an array of strings', `${at}.default`, v.default);
    if (Array.isArray(v.default) && v.multi !== true) invalid('an array default needs "multi": true', `${at}.default`, v.default);
  }
  if (v.type === 'query') {
    if (v.options !== undefined) invalid('applies to custom variables', `${at}.options`);
    const q = v.query;
    if (!isObject(q)) invalid('must be a listDimensionValues query', `${at}.query`);
    only(q, ['queryType', 'metricName', 'dimension', 'limit', 'prefix'], `${at}.query`);
    if (q.queryType !== 'listDimensionValues') invalid('queryType must be listDimensionValues', `${at}.query.queryType`, q.queryType);
    validateQuery(q, `${at}.query`);
  } else if (v.type === 'custom') {
    if (v.query !== undefined) invalid('applies to query variables', `${at}.query`);
    if (!Array.isArray(v.options) || v.options.length === 0 || v.options.length > MAX_OPTIONS) invalid(`must be an array of 1-${MAX_OPTIONS} values`, `${at}.options`);
    v.options.forEach((o, i) => text(o, `${at}.options[${i}]`, 256, true));
  } else {
    invalid('must be query or custom', `${at}.type`, v.type);
  }
  return v as unknown as Variable;
}

function checkPanel(p: unknown, at: string, variables: ReadonlySet<string>): Panel {
  if (!isObject(p)) invalid('must be an object', at);
  only(p, ['id', 'title', 'type', 'gridPosition', 'query', 'display'], at);
  if (typeof p.id !== 'string' || !DASHBOARD_ID.test(p.id)) invalid(`must match ${DASHBOARD_ID.source}`, `${at}.id`, p.id);
  text(p.title, `${at}.title`, 200, false);
  if (typeof p.type !== 'string' || !(PANEL_TYPES as readonly string[]).includes(p.type)) invalid(`must be one of ${PANEL_TYPES.join(', ')}`, `${at}.type`, p.type);
  if (p.gridPosition !== undefined) {
    const g = p.gridPosition;
    if (!isObject(g)) invalid('must be {x, y, w, h}', `${at}.gridPosition`);
    only(g, ['x', 'y', 'w', 'h'], `${at}.gridPosition`);
    const x = int(g.x, `${at}.gridPosition.x`, 0, GRID_COLUMNS - 1);
    int(g.y, `${at}.gridPosition.y`, 0, 10_000);
    const w = int(g.w, `${at}.gridPosition.w`, 1, GRID_COLUMNS);
    int(g.h, `${at}.gridPosition.h`, 1, 100);
    if (x + w > GRID_COLUMNS) invalid(`x + w must be at most ${GRID_COLUMNS} columns`, `${at}.gridPosition`, g);
  }
  if (p.display !== undefined) checkDisplay(p.display, `${at}.display`);
  const q = p.query;
  if (!isObject(q)) invalid('must be a JSON query', `${at}.query`);
  if (!['range', 'aggregate', 'rate'].includes(q.queryType as string)) invalid('queryType must be range, aggregate or rate', `${at}.query.queryType`, q.queryType);
  // Variables may stand in filter values; each must be defined. Checked with a stand-in value.
  let checked: Record<string, unknown> = q;
  if (isObject(q.filters)) {
    const filters: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(q.filters)) {
      const values = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
      if (values !== null && values.every((x) => typeof x === 'string')) {
        for (const ref of variableRefs(values)) {
          if (!variables.has(ref)) invalid(`uses $${ref}, which is not a variable of this dashboard`, `${at}.query.filters.${k}`, v);
        }
        filters[k] = (values).map((x) => (x.startsWith('$') ? 'variable' : x));
      } else {
        filters[k] = v;
      }
    }
    checked = { ...q, filters };
  }
  validateQuery(checked, `${at}.query`);
  return p as unknown as Panel;
}

function checkDisplay(d: unknown, at: string): void {
  if (!isObject(d)) invalid('must be an object', at);
  only(d, ['unit', 'decimals', 'threshold', 'legend'], at);
  text(d.unit, `${at}.unit`, 32, false);
  if (d.decimals !== undefined) int(d.decimals, `${at}.decimals`, 0, 10);
  if (d.threshold !== undefined) {
    if (!isObject(d.threshold)) invalid('must be {warning, critical}', `${at}.threshold`);
    only(d.threshold, ['warning', 'critical'], `${at}.threshold`);
    for (const k of ['warning', 'critical'] as const) {
      const v = d.threshold[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) invalid('must be a number', `${at}.threshold.${k}`, v);
    }
  }
  if (d.legend !== undefined) {
    if (!isObject(d.legend)) invalid('must be {show, position}', `${at}.legend`);
    only(d.legend, ['show', 'position'], `${at}.legend`);
    if (d.legend.show !== undefined && typeof d.legend.show !== 'boolean') invalid('must be true or false', `${at}.legend.show`, d.legend.show);
    if (d.legend.position !== undefined && d.legend.position !== 'bottom' && d.legend.position !== 'right') invalid('must be bottom or right', `${at}.legend.position`, d.legend.position);
  }
}

/** A panel or variable query must be a valid JSON query: the query API's own parser decides. */
function validateQuery(q: Record<string, unknown>, at: string): void {
  try {
    parseQuery(q, 'default', SHAPE_ONLY, Date.now());
  } catch (err) {
    if (err instanceof LuminateError) {
      const field = typeof err.details.field === 'string' ? `${at}.${err.details.field}` : at;
      invalid(err.message, field, err.details.received);
    }
    throw err;
  }
}

/** A readable id from a title: `Customer Overview` → `customer-overview`. */
export function slugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // the accents NFKD split off
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);
  return slug.length > 0 ? slug : 'dashboard';
}
