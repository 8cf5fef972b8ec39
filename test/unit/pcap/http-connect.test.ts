// The proxy head at the start of a stream: a CONNECT request from the client, a 2xx answer from the server; found
// whatever the chunking, refused for anything else, and skipped so the tunnel's first byte comes out first.
import fc from 'fast-check';
import { MAX_CONNECT_HEAD, proxyHeadLength, ProxyHeadSkipper } from '../../../src/pcap';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const REQ = 'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\nProxy-Authorization: Basic eA==\r\n\r\n';
const ANS = 'HTTP/1.1 200 Connection Established\r\nProxy-Agent: tlslab\r\n\r\n';
const HELLO = Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);

describe('proxyHeadLength', () => {
  it('finds a CONNECT request and a 2xx answer, and nothing else', () => {
    expect(proxyHeadLength(enc(REQ), 'client')).toBe(REQ.length);
    expect(proxyHeadLength(enc(ANS), 'server')).toBe(ANS.length);
    expect(proxyHeadLength(HELLO, 'client')).toBe(0);
    expect(proxyHeadLength(enc('GET / HTTP/1.1\r\n\r\n'), 'client')).toBe(0);
    expect(proxyHeadLength(enc('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'), 'server')).toBe(0);
    expect(proxyHeadLength(enc('CONN'), 'client')).toBe('more');
    expect(proxyHeadLength(enc('CONNECT x:1 HTTP/1.1\r\n'), 'client')).toBe('more');
    expect(proxyHeadLength(new Uint8Array(0), 'client')).toBe('more');
    expect(proxyHeadLength(enc(`CONNECT ${'x'.repeat(MAX_CONNECT_HEAD)}`), 'client')).toBe(0);
  });
});

describe('ProxyHeadSkipper', () => {
  it('passes on exactly the bytes after the head, however the stream is cut', () => {
    const stream = new Uint8Array([...enc(REQ), ...HELLO]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
        const s = new ProxyHeadSkipper('client');
        const out: number[] = [];
        let at = 0;
        for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(stream.length)) {
          const got = s.push(stream.subarray(at, c));
          if (got) out.push(...got);
          at = c;
        }
        expect(out).toEqual([...HELLO]);
        expect(s.skipped).toBe(REQ.length);
      }),
    );
  });

  it('passes everything on when there is no head, and gives back what it held at the end', () => {
    const s = new ProxyHeadSkipper('client');
    expect([...(s.push(HELLO) ?? [])]).toEqual([...HELLO]);
    const t = new ProxyHeadSkipper('client');
    expect(t.push(enc('CONNECT half'))).toBeNull();
    expect(new TextDecoder().decode(t.flush() ?? new Uint8Array(0))).toBe('CONNECT half');
  });
});
