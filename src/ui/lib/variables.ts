import type { PanelQuery, QueryRequest, Variable } from './types.js';

/** The chosen values of each dashboard variable; an empty list means "all" (no filter). */
export type Selection = Record<string, string[]>;

/** A filter value that names a variable: `$region` → `region`. */
export function variableName(value: string): string | null {
  return /^\$[a-zA-Z_][a-zA-Z0-9_]*$/.test(value) ? value.slice(1) : null;
}

/**
 * A panel query with its `$var` filter values replaced by the selection: one value stays a string,
 * several become an array (the API's "any of"), none drops the filter (all values). A value naming
 * no known variable is left as is, so the API reports it.
 */
export function substitute(q: PanelQuery, selection: Selection): QueryRequest {
  if (q.filters === undefined) return { ...q };
  const filters: Record<string, string | string[]> = {};
  for (const [key, raw] of Object.entries(q.filters)) {
    const out: string[] = [];
    let all = false;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      const name = variableName(v);
      const chosen = name === null ? undefined : selection[name];
      if (chosen === undefined) out.push(v);
      else if (chosen.length === 0) all = true;
      else out.push(...chosen);
    }
    if (all) continue;
    const unique = [...new Set(out)];
    filters[key] = unique.length === 1 ? unique[0]! : unique;
  }
  const { filters: _old, ...rest } = q;
  return Object.keys(filters).length > 0 ? { ...rest, filters } : { ...rest };
}

/** The starting selection of a variable: its default when it is among the options, else the first option (single) or all (multi). */
export function initialSelection(v: Variable, options: readonly string[]): string[] {
  const wanted = v.default === undefined ? [] : Array.isArray(v.default) ? v.default : [v.default];
  const known = wanted.filter((d) => options.includes(d) || v.type === 'custom');
  if (known.length > 0) return v.multi === true ? known : [known[0]!];
  if (v.multi === true) return [];
  return options.length > 0 ? [options[0]!] : [];
}

/** Variables a query's filters use. */
export function usedVariables(q: PanelQuery): string[] {
  const names = new Set<string>();
  for (const raw of Object.values(q.filters ?? {})) {
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      const n = variableName(v);
      if (n !== null) names.add(n);
    }
  }
  return [...names];
}
