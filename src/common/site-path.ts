/**
 * A request path made safe to use as a same-site link (the language switch, "back to" links):
 * always exactly one leading "/", never "//host" or "/\host" that a browser would read as another
 * site. Backslashes count as slashes (browsers treat them so), runs of slashes collapse, control
 * characters and blanks go. Percent-encoded bytes stay encoded: "/%2F%2Fevil.example" is a path here.
 */
export function sitePath(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') return '/';
  const path = raw.split(/[?#]/, 1)[0];
  // eslint-disable-next-line no-control-regex
  const cleaned = path.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').replace(/\\/g, '/');
  const segments = cleaned.split('/').filter((s) => s !== '');
  if (!segments.length) return '/';
  return `/${segments.join('/')}${cleaned.endsWith('/') ? '/' : ''}`;
}
