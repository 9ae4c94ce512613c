import { describe, expect, it } from 'vitest';
import { nameMatches, parseSelector } from './selector.js';

describe('series selector', () => {
  it('parses names and every matcher kind', () => {
    expect(parseSelector('http_requests{job="api", code!="500",path=~"/a.*" , m!~\'x\\\'y\'}')).toEqual({
      name: [{ name: '__name__', op: '=', value: 'http_requests' }],
      labels: [
        { name: 'job', op: '=', value: 'api' },
        { name: 'code', op: '!=', value: '500' },
        { name: 'path', op: '=~', value: '/a.*' },
        { name: 'm', op: '!~', value: "x'y" },
      ],
    });
    const byName = parseSelector('{__name__=~"http_.*"}');
    if (typeof byName === 'string') throw new Error(byName);
    expect(nameMatches(byName, 'http_x')).toBe(true);
    expect(nameMatches(byName, 'xhttp_x')).toBe(false);
    // "\d" keeps its backslash; four backslashes in the selector are the regex \\ (one literal backslash).
    expect(parseSelector('x{a=~"\\d+\\.\\\\\\\\"}')).toMatchObject({ labels: [{ value: '\\d+\\.\\\\' }] });
    expect(parseSelector('up')).toEqual({ name: [{ name: '__name__', op: '=', value: 'up' }], labels: [] });
  });
  it('explains what is wrong', () => {
    for (const bad of ['{job="a"}', 'x{', 'x{a}', 'x{a="b"', 'x{a=b}', 'x{a=~"("}', 'x y', '{__name__=~".*"}', '{__name__!="x"}', 'x{a=~"(?=b)"}', 'x{a!~"(?<!b)c"}', 'x{a=~"(b)\\1"}']) {
      expect(typeof parseSelector(bad), bad).toBe('string');
    }
  });
});
