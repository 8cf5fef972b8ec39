// A leg's SYN comment names its tlslab connection and leg, and says when the tunnel carried no TLS.
import { legComment, parseLegComment } from '../../../src/record/record-format';

const ends = { client: { address: '127.0.0.1', port: 50312 }, server: { address: '::1', port: 8080 } };

describe('leg comments', () => {
  it('round-trip, with and without TLS', () => {
    expect(legComment('c12', 'client', ends)).toBe('tlslab c12 client leg: browser 127.0.0.1:50312 → tlslab [::1]:8080');
    expect(legComment('c13', 'upstream', ends, false)).toBe('tlslab c13 upstream leg (not TLS): tlslab 127.0.0.1:50312 → server [::1]:8080');
    expect(parseLegComment(legComment('c12', 'client', ends))).toEqual({ conn: 'c12', leg: 'client', tls: true });
    expect(parseLegComment(legComment('c13', 'upstream', ends, false))).toEqual({ conn: 'c13', leg: 'upstream', tls: false });
  });

  it('read a comment of the first format, and nothing else', () => {
    expect(parseLegComment('tlslab c1 client leg')).toEqual({ conn: 'c1', leg: 'client', tls: true });
    expect(parseLegComment('tlslab c1 sideways leg: x')).toBeNull();
    expect(parseLegComment('a comment someone typed')).toBeNull();
  });
});
