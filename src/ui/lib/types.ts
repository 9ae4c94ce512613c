/** The API's shapes as the UI sees them (type-only imports: nothing of the server is bundled). */
export type { QueryRequest, QueryType, Aggregation } from '../../query/model.js';
export type { QueryResponse, RangePoint, AggregatePoint, RatePoint } from '../../query/service.js';
export type { Dashboard, DashboardDocument, DashboardSummary, Panel, PanelQuery, PanelType, PanelDisplay, Variable, GridPosition } from '../../dashboards/types.js';

export const AGGREGATIONS = ['avg', 'sum', 'count', 'min', 'max', 'p50', 'p95', 'p99', 'integral'] as const;
export const PANEL_TYPES = ['timeseries', 'table', 'gauge', 'bar'] as const;
export const GRID_COLUMNS = 24;
