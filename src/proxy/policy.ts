// What tlslab does when the real server's certificate fails verification: block, mirror or allow,
// globally and per host (`--upstream-failure mirror --upstream-failure '*.example.com=allow'`). Pure.
import type { UpstreamPolicy } from '../events/schema';
import { TlslabError } from '../errors';

const MODES: readonly UpstreamPolicy[] = ['block', 'mirror', 'allow'];

export interface PolicyRule {
  pattern: string;
  mode: UpstreamPolicy;
}

export class UpstreamPolicyTable {
  constructor(
    readonly fallback: UpstreamPolicy,
    readonly rules: readonly PolicyRule[],
  ) {}

  /** Parses CLI values: `MODE` sets the default, `HOST=MODE` adds a rule (`*.example.com` matches subdomains). Last one wins. */
  static parse(values: readonly string[]): UpstreamPolicyTable {
    let fallback: UpstreamPolicy = 'block';
    const rules: PolicyRule[] = [];
    for (const raw of values) {
      const v = raw.trim();
      const eq = v.indexOf('=');
      const mode = (eq === -1 ? v : v.slice(eq + 1)).trim().toLowerCase();
      if (!MODES.includes(mode as UpstreamPolicy)) {
        throw new TlslabError('TLSLAB_ERR_USAGE', `--upstream-failure "${raw}": the mode must be one of ${MODES.join(', ')}`);
      }
      if (eq === -1) fallback = mode as UpstreamPolicy;
      else {
        const pattern = v.slice(0, eq).trim().toLowerCase();
        if (!pattern) throw new TlslabError('TLSLAB_ERR_USAGE', `--upstream-failure "${raw}": name a host before "="`);
        rules.push({ pattern, mode: mode as UpstreamPolicy });
      }
    }
    return new UpstreamPolicyTable(fallback, rules);
  }

  /** The mode for `host`: the last matching rule, else the default. */
  modeFor(host: string): UpstreamPolicy {
    const h = host.toLowerCase();
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i];
      if (matches(r.pattern, h)) return r.mode;
    }
    return this.fallback;
  }
}

function matches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) {
    const suffix = pattern.slice(1);
    return host.endsWith(suffix) && host.length > suffix.length;
  }
  return pattern === host;
}
