// readFirstFlight over real loopback sockets: what the first bytes of a tunnel are, with bounded work per chunk.
import net from 'node:net';
import { readFirstFlight, type FirstFlight } from '../../../src/capture/first-flight';
import { MAX_HELLO_RECORDS, TOO_MANY_RECORDS } from '../../../src/capture/client-hello-reader';
import { hexToBytes, rfc8448 } from '../../helpers/tls-rfc8448';

const HELLO = Buffer.from(hexToBytes(rfc8448.handshake_messages.client_hello));

function records(msg: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += size) {
    const part = msg.subarray(i, i + size);
    out.push(Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part);
  }
  return Buffer.concat(out);
}

let server: net.Server;
let port: number;
const accepted: net.Socket[] = [];
let next: ((s: net.Socket) => void) | null = null;

beforeAll(async () => {
  server = net.createServer((s) => {
    accepted.push(s);
    next?.(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of accepted) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

/** Connects, lets `write` drive the client, and reads the first flight on the server side. */
async function flight(write: (c: net.Socket) => Promise<void> | void, silenceMs = 2000): Promise<{ result: FirstFlight; chunks: number }> {
  const serverSide = new Promise<net.Socket>((r) => (next = r));
  const client = net.connect(port, '127.0.0.1');
  client.setNoDelay(true);
  client.on('error', () => undefined);
  const s = await serverSide;
  let chunks = 0;
  s.on('data', () => void chunks++);
  const reading = readFirstFlight(s, Buffer.alloc(0), silenceMs);
  await new Promise<void>((r) => client.once('connect', r));
  await write(client);
  const result = await reading;
  client.destroy();
  return { result, chunks };
}

/** Writes `bytes` in `size`-byte writes, yielding between them so they arrive as many TCP chunks. */
async function trickle(c: net.Socket, bytes: Buffer, size: number): Promise<void> {
  for (let i = 0; i < bytes.length && !c.destroyed; i += size) {
    c.write(bytes.subarray(i, i + size));
    if ((i / size) % 8 === 0) await new Promise((r) => setImmediate(r));
  }
}

describe('readFirstFlight', () => {
  it('reads a ClientHello that arrives a few bytes at a time, parsing it once, and returns the bytes as received', async () => {
    const bytes = Buffer.concat([records(HELLO, 40), Buffer.from('170303000100', 'hex')]);
    const { result, chunks } = await flight((c) => trickle(c, bytes, 3));
    expect(result.kind).toBe('tls');
    expect(result.kind === 'tls' && result.hello.sni).toBe('server');
    expect(result.parses).toBe(1);
    expect(chunks).toBeGreaterThan(1);
    // What came after the hello's last record (here an application-data record) may be there too, unchanged.
    expect(bytes.subarray(0, result.bytes.length).equals(result.bytes)).toBe(true);
    expect(result.bytes.length).toBeGreaterThanOrEqual(records(HELLO, 40).length);
  });

  it('refuses a 60 KiB ClientHello in 1-byte records after 64 records, without parsing it', async () => {
    const big = Buffer.alloc(60 * 1024);
    big[0] = 1;
    big.writeUIntBE(big.length - 4, 1, 3);
    const bytes = records(big, 1);
    const { result } = await flight((c) => trickle(c, bytes, 7));
    expect(result).toMatchObject({ kind: 'malformed', code: TOO_MANY_RECORDS, parses: 0 });
    if (result.kind !== 'malformed') return;
    expect(result.examined).toBe(MAX_HELLO_RECORDS * 6 + 5);
    expect(bytes.subarray(0, result.bytes.length).equals(result.bytes)).toBe(true);
  });

  it('tells a tunnel that is not TLS from its first byte, and keeps its bytes for the raw relay', async () => {
    const { result } = await flight((c) => void c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(result.kind).toBe('not-tls');
    expect(result.bytes.toString().startsWith('GET /')).toBe(true);
    expect(result.parses).toBe(0);
  });

  it('reports silence, a client that stops mid-hello, and a client that hangs up', async () => {
    expect((await flight(() => undefined, 150)).result).toMatchObject({ kind: 'silent', bytes: Buffer.alloc(0) });
    const half = records(HELLO, 16384).subarray(0, 60);
    expect((await flight((c) => void c.write(half), 150)).result).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_TRUNCATED', examined: 60 });
    expect((await flight((c) => void c.end(half))).result).toMatchObject({ kind: 'closed', bytes: half });
  });
});
