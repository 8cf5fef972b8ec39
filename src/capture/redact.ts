// Which HTTP header values never leave the process: credentials and cookies are shown as `[redacted]`.
// One list for every place that turns headers into events (HTTP/1, HTTP/2, plain-HTTP proxying). Pure.

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** The value to show for header `name` (any case). */
export function shownHeaderValue(name: string, value: string): string {
  return SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : value;
}
