export { DASHBOARD_ID, dashboardErrors, parseDashboard, slugOf, variableRefs } from './model.js';
export { DashboardStore } from './store.js';
export type * from './types.js';
export { GRID_COLUMNS, PANEL_TYPES } from './types.js';
