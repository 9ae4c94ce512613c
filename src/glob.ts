/** `*` matches any run of characters; everything else is literal (seed: `debug_*`, `api_*`, `*`). */
export function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}
