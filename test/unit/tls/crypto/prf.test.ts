// Known-answer tests for the TLS PRF (RFC 5246 §5 P_SHA256; RFC 2246 §5 MD5 ⊕ SHA-1).
import { tlsPrf } from '../../../../src/tls/crypto';

describe('TLS PRF', () => {
  it('TLS 1.2 P_SHA256 matches the vector posted to the IETF TLS list (mail-archive/web/tls/current/msg03416)', () => {
    const out = tlsPrf('sha256', Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
    expect(out.toString('hex')).toBe(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
  });

  it('TLS 1.0 MD5 ⊕ SHA-1 PRF of ("secret", "label", "seed")', () => {
    const out = tlsPrf('md5+sha1', Buffer.from('secret'), 'label', Buffer.from('seed'), 20);
    expect(out.toString('hex')).toBe('b5baf4722b91851a8816d22ebd8c1d8cc2e94d55');
  });
});
