// Connections to a target the gate checked go to the checked addresses only: the kept DNS answer stands in for any
// second lookup (a rebinding resolver could answer differently), for raw TCP and for plain HTTP through the agent.
import http from 'node:http';
import net from 'node:net';
import { PinnedAgent, pinnedRequestOptions, tcpConnectOptions, type Resolution } from '../../../src/proxy/upstream';

let server: http.Server;
let port = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.socket.remotePort} ${req.url}`);
    res.end(`hello ${req.headers.host}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => server.close());

const at = (...addresses: string[]): Resolution => ({ ok: true, addresses: addresses.map((address) => ({ address, family: net.isIP(address) === 6 ? 6 : 4 })) });

/** `.invalid` never resolves (RFC 6761 §6.4): reaching the server proves no lookup was made. */
const NAME = 'pinned.invalid';

function connectOnce(opts: net.NetConnectOpts): Promise<{ ok: true; remote: string } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    const s = net.connect(opts);
    s.once('connect', () => {
      resolve({ ok: true, remote: `${s.remoteAddress}:${s.remotePort}` });
      s.destroy();
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, code: String(err.code) }));
  });
}

it('TCP goes to the kept address, never to DNS', async () => {
  const r = await connectOnce(tcpConnectOptions({ host: NAME, port, connectHost: NAME, connectPort: port, resolved: at('127.0.0.1') }));
  expect(r).toEqual({ ok: true, remote: `127.0.0.1:${port}` });
});

it('every kept address is tried in turn (one that refuses, then one that answers)', async () => {
  const r = await connectOnce(tcpConnectOptions({ host: NAME, port, connectHost: NAME, connectPort: port, resolved: at('::1', '127.0.0.1') }));
  expect(r).toEqual({ ok: true, remote: `127.0.0.1:${port}` });
});

it('a lookup that failed when checked fails the same way at connect time', async () => {
  const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${NAME}`), { code: 'ENOTFOUND' });
  const r = await connectOnce(tcpConnectOptions({ host: NAME, port, connectHost: NAME, connectPort: port, resolved: { ok: false, error } }));
  expect(r).toEqual({ ok: false, code: 'ENOTFOUND' });
});

it('without a kept answer, the name is looked up as before', async () => {
  const r = await connectOnce(tcpConnectOptions({ host: NAME, port, connectHost: NAME, connectPort: port }));
  expect(r.ok).toBe(false);
});

function get(agent: http.Agent, resolved: Resolution, path: string): Promise<{ body: string; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: NAME, port, path, agent, headers: { host: 'shown.example' }, ...pinnedRequestOptions(resolved) } as http.RequestOptions, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ body, localPort: req.socket?.localPort ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('plain HTTP through the agent: the kept address, the Host as given, and no pooled connection shared across answers', async () => {
  const agent = new PinnedAgent({ keepAlive: true });
  try {
    const a = await get(agent, at('127.0.0.1'), '/a');
    const b = await get(agent, at('127.0.0.1'), '/b');
    expect(a.body).toBe('hello shown.example');
    // The same check: the kept-alive connection is reused.
    expect(b.localPort).toBe(a.localPort);
    // Another answer for the same name: a connection of its own, never the one opened for the first.
    const c = await get(agent, at('127.0.0.1', '::1'), '/c');
    expect(c.localPort).not.toBe(a.localPort);
    expect(agent.getName({ host: NAME, port, pinned: '127.0.0.1' })).not.toBe(agent.getName({ host: NAME, port, pinned: '10.0.0.1' }));
  } finally {
    agent.destroy();
  }
});
