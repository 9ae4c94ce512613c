import { apiErrors } from './api/errors.js';
import { dashboardErrors } from './dashboards/index.js';
import { commonErrors, type ErrorSpec } from './errors.js';
import { ingestErrors } from './ingest/index.js';
import { queryErrors } from './query/index.js';
import { storageErrors } from './storage/index.js';

/** Every error code the API can answer, by capability. docs/errors.md is checked against this. */
export const ERROR_CODES: Readonly<Record<string, Readonly<Record<string, ErrorSpec>>>> = {
  common: commonErrors.specs,
  ingest: ingestErrors.specs,
  query: queryErrors.specs,
  storage: storageErrors.specs,
  api: apiErrors.specs,
  dashboards: dashboardErrors.specs,
};
