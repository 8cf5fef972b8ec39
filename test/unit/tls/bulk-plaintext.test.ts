// DecoderOptions.bulkPlaintext (what a replay's HTTP view reads): in bulk mode every application-data record is still
// decrypted and handed over, in order, byte for byte what the peer sent; the events are exactly bulk mode's.
import type { Side } from '../../../src/events/schema';
import type { DecoderOptions } from '../../../src/tls';
import { captureOrdered } from '../../helpers/tls-bulk-capture';
import { selfSignedCert } from '../../helpers/tls-crypto-capture';
import { ofType, run, type Feed } from '../../helpers/tls-decoder';

const cert = selfSignedCert();
const N = 4;
const MB = 1024 * 1024;

describe('TlsDecoder bulkPlaintext', () => {
  it.each([
    ['TLS 1.3', { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }],
    ['TLS 1.2 CBC', { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-SHA256' }],
  ] as const)('%s: hands over every byte of the bulk records, and changes no event', async (_t, versions) => {
    const cap = await captureOrdered({ cert, clientBytes: MB, serverBytes: MB, ...versions });
    const script: Feed[] = [{ keys: cap.keylog }, ...cap.chunks.map((c) => ({ from: c.from, bytes: c.bytes })), { end: 'client' }, { end: 'server' }, { finish: true }];
    const got: Record<Side, Buffer[]> = { client: [], server: [] };
    let nulls = 0;
    const shown: Record<Side, Buffer[]> = { client: [], server: [] };
    const opts: DecoderOptions = {
      appDataRecords: N,
      appDataPreview: 1 << 20,
      appDataView: (from, p) => (p && shown[from].push(Buffer.from(p)), p),
      bulkPlaintext: (from, p) => (p ? got[from].push(Buffer.from(p)) : nulls++),
    };
    const withIt = run(script, opts);
    const without = run(script, { appDataRecords: N, appDataPreview: 1 << 20 });
    expect(withIt.events).toEqual(without.events);
    expect(withIt.decoder.state.bulk).toEqual(without.decoder.state.bulk);
    expect(nulls).toBe(0);
    expect(ofType(withIt.events, 'tls:undecryptable')).toEqual([]);
    // The reported records' plaintext, then the bulk records': all a side sent, in order.
    expect(Buffer.concat([...shown.client, ...got.client]).equals(cap.clientData)).toBe(true);
    expect(Buffer.concat([...shown.server, ...got.server]).equals(cap.serverData)).toBe(true);
    expect(got.server.length).toBeGreaterThan(20);
  });
});
