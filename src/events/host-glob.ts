// Host-name globs, as `--ignore-host` and the dashboard's list of browser background hosts write them.
// Pure: no I/O, no Node imports (the dashboard compiles it too).

/**
 * A glob matched against a whole host name, case-insensitive: `*` is any run of characters (dots included), `?` one
 * character, everything else literal. `*.googleapis.com` matches `update.googleapis.com` and `a.b.googleapis.com`,
 * not `googleapis.com`.
 */
export function hostGlob(glob: string): RegExp {
  const body = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.[\]\\^$+(){}|/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}
