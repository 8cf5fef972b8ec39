// Every stable error code is documented in docs/errors.md (fastify-style: an undocumented code is a bug).
import fs from 'node:fs';
import path from 'node:path';
import { ERRORS } from '../../src/errors';
import { DECODE_ERRORS } from '../../src/tls/errors';
import { PCAP_ERRORS } from '../../src/pcap/errors';

const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');

describe('docs/errors.md', () => {
  it.each([
    ['proxy/CA/CLI', ERRORS],
    ['decoder', DECODE_ERRORS],
    ['pcap', PCAP_ERRORS],
  ])('documents every %s code', (_name, table) => {
    const missing = Object.keys(table).filter((code) => !doc.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('has no code that no longer exists', () => {
    const known = new Set([...Object.keys(ERRORS), ...Object.keys(DECODE_ERRORS), ...Object.keys(PCAP_ERRORS)]);
    const listed = [...doc.matchAll(/`(TLSLAB_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1]);
    expect(listed.filter((c) => !known.has(c))).toEqual([]);
  });
});
