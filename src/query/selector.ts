import type { LabelMatcher } from '../storage/index.js';

/** A Prometheus series selector: `name{label="v", other=~"re.*"}` or `{__name__=~"http_.*"}`. */
export interface Selector {
  /** Matchers on the metric name (from the leading name and any `__name__` matcher). */
  name: LabelMatcher[];
  /** Matchers on dimensions. */
  labels: LabelMatcher[];
}

const IDENT = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses a selector; returns it, or a message saying what is wrong and where. */
export function parseSelector(text: string): Selector | string {
  const s = text.trim();
  const sel: Selector = { name: [], labels: [] };
  let i = 0;
  const m = IDENT.exec(s);
  if (m !== null) {
    sel.name.push({ name: '__name__', op: '=', value: m[0] });
    i = m[0].length;
  }
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  ws();
  if (i < s.length) {
    if (s[i] !== '{') return `expected { at position ${i} of ${text}`;
    i++;
    for (;;) {
      ws();
      if (s[i] === '}') {
        i++;
        break;
      }
      const k = IDENT.exec(s.slice(i));
      if (k === null) return `expected a label name at position ${i} of ${text}`;
      i += k[0].length;
      ws();
      const op = s.startsWith('=~', i) ? '=~' : s.startsWith('!~', i) ? '!~' : s.startsWith('!=', i) ? '!=' : s[i] === '=' ? '=' : null;
      if (op === null) return `expected =, !=, =~ or !~ after ${k[0]}`;
      i += op.length;
      ws();
      const quote = s[i];
      if (quote !== '"' && quote !== "'" && quote !== '`') return `expected a quoted value for ${k[0]}`;
      i++;
      let value = '';
      for (;;) {
        if (i >= s.length) return `unterminated value for ${k[0]}`;
        const c = s[i]!;
        if (c === quote) {
          i++;
          break;
        }
        if (c === '\\' && quote !== '`' && i + 1 < s.length) {
          const n = s[i + 1]!;
          // \n, \t, \\ and the quote are escapes; any other backslash is kept, so "\d+" means a digit.
          value += n === 'n' ? '\n' : n === 't' ? '\t' : n === '\\' || n === quote ? n : '\\' + n;
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      if (op === '=~' || op === '!~') {
        // The engine runs RE2: no lookaround or backreferences (JS would accept them).
        if (/\(\?<?[=!]|\\[1-9]/.test(value)) return `regular expression for ${k[0]} uses lookaround or a backreference, which RE2 (Prometheus' syntax) does not have: ${value}`;
        try {
          new RegExp(value);
        } catch {
          return `invalid regular expression for ${k[0]}: ${value}`;
        }
      }
      (k[0] === '__name__' ? sel.name : sel.labels).push({ name: k[0], op, value });
      ws();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      return `expected , or } at position ${i} of ${text}`;
    }
    ws();
    if (i < s.length) return `unexpected text after the selector: ${s.slice(i)}`;
  }
  if (sel.name.length === 0) return `selector ${text} must name a metric (name{…} or {__name__="…"})`;
  if (sel.labels.length === 0 && sel.name.every((x) => x.op === '!=' || x.op === '!~' || (x.op === '=~' && new RegExp(`^(?:${x.value})$`).test('')))) {
    return `selector ${text} matches every metric; add a name or a non-empty matcher`;
  }
  return sel;
}

/** Whether a metric name passes the selector's name matchers. */
export function nameMatches(sel: Selector, metric: string): boolean {
  return sel.name.every((m) => {
    switch (m.op) {
      case '=':
        return metric === m.value;
      case '!=':
        return metric !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(metric);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(metric);
    }
  });
}
