// connectUpstream lets Node check the server's name on the leaf alone: its authorizationError must be what a plain
// tls.connect says for every kind of name (DNS, wildcard, IP literal, CN only, a mismatch), and the chain Node walked
// (the fallback when the decoder could not read the Certificate message) must still be the whole chain.
import net from 'node:net';
import tls from 'node:tls';
import { ConnectionSession } from '../../../src/capture/session';
import { EventBus } from '../../../src/events/bus';
import { connectUpstream, type UpstreamResult } from '../../../src/proxy/upstream';
import { key, pem } from '../../helpers/x509-fixtures';

interface Served {
  port: number;
  close(): Promise<void>;
}

/** A TLS server sending `leafName` and the fixtures' intermediate, answering nothing. */
async function serve(leafName: string): Promise<Served> {
  const server = tls.createServer({ cert: pem(leafName) + pem('int'), key: key('leaf') }, (s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What Node says with no help: a plain tls.connect trusting the fixtures' root. */
function plainConnect(port: number, host: string): Promise<{ nodeError: string | null; chain: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: net.isIP(host) ? undefined : host, ca: [pem('root')], rejectUnauthorized: false, checkServerIdentity: (_h, cert) => tls.checkServerIdentity(host, cert) });
    s.once('error', reject);
    s.once('secureConnect', () => {
      const err: unknown = s.authorizationError;
      const nodeError = err instanceof Error ? String((err as NodeJS.ErrnoException).code ?? err) : typeof err === 'string' && err !== '' ? err : null;
      const chain: Buffer[] = [];
      const seen = new Set<string>();
      for (let c: tls.DetailedPeerCertificate | undefined = s.getPeerCertificate(true); c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
        seen.add(c.fingerprint256);
        chain.push(c.raw);
      }
      s.destroy();
      resolve({ nodeError, chain });
    });
  });
}

async function viaUpstream(port: number, host: string): Promise<Extract<UpstreamResult, { ok: true }>> {
  const session = new ConnectionSession(new EventBus());
  const r = await connectUpstream({ host, port, connectHost: '127.0.0.1', connectPort: port }, session, {
    alpn: [],
    ca: [pem('root')],
    connectTimeoutMs: 5000,
    handshakeTimeoutMs: 5000,
  });
  if (!r.ok) throw new Error(r.message);
  return r;
}

describe('connectUpstream: Node checks the name on the leaf alone', () => {
  const cases: [string, string, string][] = [
    ['a DNS name on the certificate', 'leaf', 'valid.example.com'],
    ['a DNS name not on it', 'leaf', 'wrong.example.com'],
    ['an IP literal on it', 'leaf', '127.0.0.1'],
    ['an IP literal not on it', 'leaf-ip', '10.1.2.3'],
    ['a wildcard match', 'leaf-wildcard', 'www.example.com'],
    ['a wildcard too deep', 'leaf-wildcard', 'a.b.example.com'],
    ['a certificate with a CN and no SAN', 'leaf-cn-only', 'cn-only.example.com'],
    ['a CN-only certificate, another name', 'leaf-cn-only', 'other.example.com'],
    ['malformed wildcards', 'leaf-bad-wildcards', 'foo.example.com'],
  ];

  it.each(cases)('%s: the same authorizationError and chain as plain Node', async (_what, leafName, host) => {
    const served = await serve(leafName);
    try {
      const expected = await plainConnect(served.port, host);
      const up = await viaUpstream(served.port, host);
      try {
        expect(up.nodeError).toBe(expected.nodeError);
        const chain = up.peerChain();
        expect(chain.length).toBeGreaterThanOrEqual(2); // the leaf and the intermediate at least
        expect(chain).toEqual(expected.chain);
        // The socket has its own getPeerCertificate back: the detailed chain, not the leaf alone.
        expect(up.socket.getPeerCertificate(true).issuerCertificate?.raw).toEqual(expected.chain[1]);
      } finally {
        up.socket.destroy();
      }
    } finally {
      await served.close();
    }
  });

  it('a mismatch is reported, a match is not (the cases above do test both)', async () => {
    const served = await serve('leaf');
    try {
      const right = await viaUpstream(served.port, 'valid.example.com');
      right.socket.destroy();
      expect(right.nodeError).toBeNull();
      const wrong = await viaUpstream(served.port, 'wrong.example.com');
      wrong.socket.destroy();
      expect(wrong.nodeError).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await served.close();
    }
  });
});
