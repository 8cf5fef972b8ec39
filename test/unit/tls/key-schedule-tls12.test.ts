// The key schedule view on real Node connections (test/fixtures/tls/fuzz-seeds, recorded byte for byte with their
// key logs): TLS 1.2 full handshakes (GCM, CBC), a TLS 1.2 abbreviated one and a TLS 1.3 PSK resumption. The
// Finished values computed from the logged secrets must equal the Finished messages on the wire.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyScheduleOfLeg, type KeyScheduleView } from '../../../src/tls/key-schedule';

const DIR = join(__dirname, '../../fixtures/tls/fuzz-seeds');

/** The capture as the chunks crossed the relay. */
function capture(name: string): { chunks: { from: 'client' | 'server'; bytes: Uint8Array }[]; keyLog: string[] } {
  const streams = { client: readFileSync(join(DIR, `${name}.c2s.bin`)), server: readFileSync(join(DIR, `${name}.s2c.bin`)) };
  const at = { client: 0, server: 0 };
  const order = JSON.parse(readFileSync(join(DIR, `${name}.order.json`), 'utf8')) as ['client' | 'server', number][];
  const chunks = order.map(([from, n]) => {
    const bytes = streams[from].subarray(at[from], at[from] + n);
    at[from] += n;
    return { from, bytes };
  });
  return { chunks, keyLog: readFileSync(join(DIR, `${name}.keylog`), 'utf8').split('\n') };
}

function schedule(name: string): KeyScheduleView {
  const c = capture(name);
  const v = keyScheduleOfLeg(c.chunks, c.keyLog);
  if ('unavailable' in v) throw new Error(v.unavailable);
  return v;
}

const step = (v: KeyScheduleView, id: string) => v.steps.find((s) => s.id === id);

describe.each(['node-tls12-gcm', 'node-tls12-cbc', 'node-tls12-resumed'])('%s', (name) => {
  const v = schedule(name);

  it('takes the master secret from the key log and marks the premaster secret unknown, saying why', () => {
    expect(v.version).toBe('TLS 1.2');
    expect(step(v, 'master_secret')).toEqual(expect.objectContaining({ source: 'key-log', op: 'PRF' }));
    expect(step(v, 'master_secret')?.hex).toHaveLength(96);
    expect(v.inputs.find((i) => i.id === 'pre_master_secret')).toEqual(expect.objectContaining({ hex: null, source: 'unknown', why: expect.any(String) }));
  });

  it('cuts the key block into the suite\'s keys', () => {
    const kb = step(v, 'key_block');
    expect(kb?.label).toBe('key expansion');
    const parts = v.steps.filter((s) => s.op === 'split');
    expect(parts.reduce((n, s) => n + (s.hex?.length ?? 0) / 2, 0)).toBe((kb?.hex?.length ?? 0) / 2);
    expect(parts.map((s) => s.name)).toEqual(expect.arrayContaining(['client_write_key', 'server_write_key']));
  });

  it('computes both Finished values from the master secret, equal to the Finished messages on the wire', () => {
    expect(step(v, 'client_verify_data')?.wire).toEqual({ message: 'client Finished', matches: true });
    expect(step(v, 'server_verify_data')?.wire).toEqual({ message: 'server Finished', matches: true });
  });
});

it('a TLS 1.2 resumption is told apart: the master secret came from the earlier session', () => {
  const v = schedule('node-tls12-resumed');
  expect(v.inputs.find((i) => i.id === 'pre_master_secret')?.why).toMatch(/resumed an earlier session/);
  expect(v.inputs.find((i) => i.id === 'th_before_cf')?.messages).toEqual(['ClientHello', 'ServerHello', 'server Finished']);
});

it('the CBC suite has MAC keys, the GCM suite has none', () => {
  expect(schedule('node-tls12-cbc').steps.map((s) => s.name)).toContain('client_write_MAC_key');
  expect(schedule('node-tls12-gcm').steps.map((s) => s.name)).not.toContain('client_write_MAC_key');
});

it('TLS 1.3 with a PSK: the Early Secret needs the PSK (unknown), the Finished values still check out', () => {
  const v = schedule('node-tls13-psk');
  expect(v.version).toBe('TLS 1.3');
  expect(v.inputs.find((i) => i.id === 'psk')).toEqual(expect.objectContaining({ source: 'unknown', why: expect.stringMatching(/resumed an earlier session/) }));
  expect(step(v, 'early_secret')?.source).toBe('unknown');
  expect(step(v, 'server_verify_data')?.wire?.matches).toBe(true);
  expect(step(v, 'client_verify_data')?.wire?.matches).toBe(true);
});
