// Parsing of what a client sends before we know who it is: every function here answers `undefined` for input it
// cannot read instead of throwing, so a malformed request is refused with 400 rather than crashing a handler.

const ORIGIN = 'http://127.0.0.1';

/**
 * The URL of an origin-form request target ("/path?query"). Anything else (absolute-form such as `http://[::1`,
 * authority-form, `*`, unparseable) is undefined. The target is appended to our origin rather than resolved against
 * it, so `//evil.com/x` stays a path on this server instead of naming another host.
 */
export function parseTarget(raw: string | undefined): URL | undefined {
  if (raw === undefined || !raw.startsWith('/')) return undefined;
  try {
    const url = new URL(ORIGIN + raw);
    return url.origin === ORIGIN ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Percent-decoded text, or undefined when its percent-encoding is malformed (`%`, `%zz`, a cut UTF-8 sequence). */
export function percentDecode(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/**
 * A redirect target that can only stay on this server: leading slashes and backslashes collapse to one, so a path
 * normalised to `//evil.com/` cannot become a protocol-relative `Location` that browsers send elsewhere.
 */
export function ownPath(url: URL): string {
  return `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
}

/** The values of every cookie named `name` in a Cookie header; other cookies, however malformed, are ignored. */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    values.push(percentDecode(raw) ?? raw);
  }
  return values;
}
