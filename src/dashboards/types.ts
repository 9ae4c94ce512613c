/**
 * Dashboards in the seed's format (seed 003 "Dashboard Definition", "Dashboard Panel
 * Configuration", "Template Variables"). Plain types with no runtime imports: the server validates
 * them (`./model.ts`) and the web UI (`src/ui`) builds them.
 */
import type { QueryRequest } from '../query/model.js';

export const PANEL_TYPES = ['timeseries', 'table', 'gauge', 'bar'] as const;
export type PanelType = (typeof PANEL_TYPES)[number];

/** Columns of the dashboard grid. */
export const GRID_COLUMNS = 24;

export interface GridPosition {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PanelDisplay {
  unit?: string;
  decimals?: number;
  threshold?: { warning?: number; critical?: number };
  legend?: { show?: boolean; position?: 'bottom' | 'right' };
}

/** A panel's query: the JSON query, where filter values may name a variable (`"$region"`). */
export type PanelQuery = Omit<QueryRequest, 'queryType'> & { queryType: 'range' | 'aggregate' | 'rate' };

export interface Panel {
  id: string;
  title: string;
  type: PanelType;
  gridPosition?: GridPosition;
  query: PanelQuery;
  display?: PanelDisplay;
}

export interface QueryVariable {
  name: string;
  label?: string;
  type: 'query';
  query: { queryType: 'listDimensionValues'; metricName: string; dimension: string; limit?: number };
  multi?: boolean;
  default?: string | string[];
}

export interface CustomVariable {
  name: string;
  label?: string;
  type: 'custom';
  options: string[];
  multi?: boolean;
  default?: string | string[];
}

export type Variable = QueryVariable | CustomVariable;

export interface Dashboard {
  id: string;
  title: string;
  description?: string;
  tags?: string[];
  timeRange?: { relative?: string; start?: string; end?: string };
  /** How often the dashboard re-runs its queries when not live: `off` or a duration such as `30s`. */
  refreshInterval?: string;
  panels: Panel[];
  variables?: Variable[];
}

/** The import/export document: exactly the seed's `{"dashboard": {...}}`. */
export interface DashboardDocument {
  dashboard: Dashboard;
}

/** One row of `GET /api/v1/dashboards`. */
export interface DashboardSummary {
  id: string;
  title: string;
  tags: string[];
  panels: number;
  createdAt: string;
  updatedAt: string;
}
