import crypto from 'node:crypto';
import forge from 'node-forge';
import { mirrorSpecFor } from '../../../src/proxy/mirror';
import type { Finding } from '../../../src/events/schema';

const f = (code: string, severity: Finding['severity'] = 'error'): Finding => ({ code, check: 'chain', severity, certIndex: 0, message: `${code} happened.` });

/** A self-signed certificate for `expired.example` that expired in 2021. */
function expiredLeaf(): Buffer {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '05';
  cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2021-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: 'expired.example' }]);
  cert.setIssuer([{ name: 'commonName', value: 'expired.example' }]);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: 'expired.example' }, { type: 2, value: 'www.expired.example' }] }]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

describe('mirrorSpecFor', () => {
  const leaf = expiredLeaf();
  const asked = { dns: ['asked.example'], ips: [] };

  it('copies the dates of an expired certificate', () => {
    const spec = mirrorSpecFor([f('CERT_EXPIRED')], leaf, asked);
    expect(spec.notBefore?.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(spec.notAfter?.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(spec.names).toEqual(asked);
  });

  it("carries the server's own (wrong) names on a hostname mismatch", () => {
    const spec = mirrorSpecFor([f('HOSTNAME_MISMATCH')], leaf, asked);
    expect(spec.names.dns.sort()).toEqual(['expired.example', 'www.expired.example']);
  });

  it('maps chain, algorithm, key and EKU flaws', () => {
    expect(mirrorSpecFor([f('CHAIN_SELF_SIGNED_LEAF')], leaf, asked).selfSigned).toBe(true);
    expect(mirrorSpecFor([f('CHAIN_UNTRUSTED_ROOT')], leaf, asked).untrustedIssuer).toBe(true);
    expect(mirrorSpecFor([f('CHAIN_UNKNOWN_ISSUER')], leaf, asked).untrustedIssuer).toBe(true);
    expect(mirrorSpecFor([f('CHAIN_MISSING_INTERMEDIATE')], leaf, asked).missingIntermediate).toBe(true);
    expect(mirrorSpecFor([f('ALG_SHA1_SIGNATURE')], leaf, asked).signatureHash).toBe('sha1');
    expect(mirrorSpecFor([f('KEY_RSA_TOO_SMALL')], leaf, asked).weakKey).toBe('rsa1024');
    expect(mirrorSpecFor([f('EKU_NO_SERVER_AUTH')], leaf, asked).eku).toBe('clientAuth');
  });

  it('ignores warnings: they do not make a browser refuse', () => {
    expect(mirrorSpecFor([f('CHAIN_WRONG_ORDER', 'warning'), f('BC_LEAF_IS_CA', 'warning')], leaf, asked)).toEqual({ names: asked });
  });
});
