// Real TLS 1.0–1.3 connections between Node's client and server on loopback, recorded byte for byte with
// their key logs, then decrypted with src/tls/crypto: the application data must come out exactly.
import { constants } from 'node:crypto';
import { captureNodeTls, selfSignedCert } from '../../../helpers/tls-crypto-capture';
import { replay } from '../../../helpers/tls-crypto-replay';
import { cipherSuite } from '../../../../src/tls/crypto';

const cert = selfSignedCert();

interface Case {
  ciphers: string;
  version: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  suite: number;
  etm: boolean;
  noEtm?: boolean;
  dhe?: boolean;
}

const cases: Case[] = [
  { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', version: 'TLSv1.2', suite: 0xc02f, etm: false },
  { ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', version: 'TLSv1.2', suite: 0xc030, etm: false },
  { ciphers: 'ECDHE-RSA-CHACHA20-POLY1305', version: 'TLSv1.2', suite: 0xcca8, etm: false },
  { ciphers: 'DHE-RSA-AES128-GCM-SHA256', version: 'TLSv1.2', suite: 0x009e, etm: false, dhe: true },
  { ciphers: 'DHE-RSA-CHACHA20-POLY1305', version: 'TLSv1.2', suite: 0xccaa, etm: false, dhe: true },
  { ciphers: 'AES128-GCM-SHA256', version: 'TLSv1.2', suite: 0x009c, etm: false },
  { ciphers: 'AES256-GCM-SHA384', version: 'TLSv1.2', suite: 0x009d, etm: false },
  { ciphers: 'AES128-SHA256', version: 'TLSv1.2', suite: 0x003c, etm: true },
  { ciphers: 'AES128-SHA256', version: 'TLSv1.2', suite: 0x003c, etm: false, noEtm: true },
  { ciphers: 'ECDHE-RSA-AES256-SHA384', version: 'TLSv1.2', suite: 0xc028, etm: true },
  { ciphers: 'ECDHE-RSA-AES256-SHA384', version: 'TLSv1.2', suite: 0xc028, etm: false, noEtm: true },
  { ciphers: 'ECDHE-RSA-AES128-SHA', version: 'TLSv1.2', suite: 0xc013, etm: false, noEtm: true },
  { ciphers: 'DHE-RSA-AES256-SHA256', version: 'TLSv1.2', suite: 0x006b, etm: true, dhe: true },
  { ciphers: 'AES128-SHA:@SECLEVEL=0', version: 'TLSv1.1', suite: 0x002f, etm: true },
  { ciphers: 'AES128-SHA:@SECLEVEL=0', version: 'TLSv1.1', suite: 0x002f, etm: false, noEtm: true },
  { ciphers: 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0', version: 'TLSv1', suite: 0xc014, etm: true },
  { ciphers: 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0', version: 'TLSv1', suite: 0xc014, etm: false, noEtm: true },
  { ciphers: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3', suite: 0x1301, etm: false },
  { ciphers: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3', suite: 0x1302, etm: false },
  { ciphers: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3', suite: 0x1303, etm: false },
  { ciphers: 'TLS_AES_128_CCM_SHA256', version: 'TLSv1.3', suite: 0x1304, etm: false },
  { ciphers: 'TLS_AES_128_CCM_8_SHA256', version: 'TLSv1.3', suite: 0x1305, etm: false },
];

const name = (c: Case): string => `${c.version} ${cipherSuite(c.suite)?.name} ${c.etm ? 'encrypt-then-MAC' : cipherSuite(c.suite)?.mode === 'cbc' ? 'MAC-then-encrypt' : ''}`;

describe('decrypting real Node TLS connections', () => {
  it.each(cases.map((c) => [name(c), c] as const))('%s', async (_title, c) => {
    const capture = await captureNodeTls({
      cert,
      minVersion: c.version,
      maxVersion: c.version,
      ciphers: c.ciphers,
      client: c.noEtm ? { secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC } : {},
      server: c.dhe ? { dhparam: 'auto' } : {},
    });
    const r = replay(capture.c2s, capture.s2c, capture.keylog);
    expect(r.hellos.cipherSuite).toBe(c.suite);
    expect(r.hellos.serverExtensions.includes(22)).toBe(c.etm);
    expect(r.appData.client.equals(capture.clientData)).toBe(true);
    expect(r.appData.server.equals(capture.serverData)).toBe(true);
    // More than one record each way, so sequence numbers (and TLS 1.0 IV chaining) were exercised.
    expect(r.types.client.filter((t) => t === 23).length).toBeGreaterThan(2);
    expect(r.types.server.filter((t) => t === 23).length).toBeGreaterThan(4);
    // Both Finished messages were decrypted (handshake type 20).
    expect(r.handshakeTypes.client).toContain(20);
    expect(r.handshakeTypes.server).toContain(20);
    if (c.version === 'TLSv1.3') {
      // The server's protected flight: EncryptedExtensions(8), Certificate(11), CertificateVerify(15), Finished(20).
      expect(r.handshakeTypes.server.slice(0, 4)).toEqual([8, 11, 15, 20]);
      expect(r.handshakeTypes.server).toContain(4); // NewSessionTicket under application keys
    }
  });
});
