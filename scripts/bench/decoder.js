#!/usr/bin/env node
'use strict';
// Benchmark of the sans-IO TLS decoder (compiled: run `npx tsc -p tsconfig.json` first), one core, no I/O timed:
//  1. throughput: a real Node TLS 1.3 connection (AES-128-GCM) moving MB of data, recorded byte for byte through a
//     loopback relay with its key log, then fed to TlsDecoder in 64 KiB chunks with decryption on → MB/s;
//  2. cost per handshake: RFC 8448 §3 and a Node TLS 1.2 handshake, keys included, through fresh decoders → µs.
// Usage: node scripts/bench/decoder.js [MB=256] [handshakes=3000]
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { TlsDecoder } = require('../../dist/tls');

const MB = Number(process.argv[2] || 256);
const HANDSHAKES = Number(process.argv[3] || 3000);
const FIX = path.join(__dirname, '..', '..', 'test', 'fixtures', 'tls');

function cert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-bench-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost',
    '-days', '1', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')], { stdio: 'ignore' });
  const out = { key: fs.readFileSync(path.join(dir, 'k.pem')), cert: fs.readFileSync(path.join(dir, 'c.pem')) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** A Node TLS 1.3 client downloading `bytes` from a Node server, through a relay that keeps every byte. */
function recordTransfer(bytes) {
  const { key, cert: crt } = cert();
  return new Promise((resolve, reject) => {
    const c2s = [];
    const s2c = [];
    const keylog = [];
    const server = tls.createServer({ key, cert: crt, minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, (s) => {
      const block = Buffer.alloc(1 << 20, 0x61);
      let left = bytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, block.length);
          left -= n;
          if (!s.write(n === block.length ? block : block.subarray(0, n))) return s.once('drain', pump);
        }
        s.end();
      };
      pump();
      s.on('error', () => {});
    });
    server.on('keylog', (l) => keylog.push(l.toString()));
    server.listen(0, '127.0.0.1', () => {
      const relay = net.createServer((inbound) => {
        const outbound = net.connect(server.address().port, '127.0.0.1');
        inbound.on('data', (d) => { c2s.push(d); outbound.write(d); });
        outbound.on('data', (d) => { s2c.push(d); inbound.write(d); });
        inbound.on('end', () => outbound.end());
        outbound.on('end', () => inbound.end());
        outbound.on('close', () => {
          relay.close();
          server.close();
          resolve({ client: Buffer.concat(c2s), server: Buffer.concat(s2c), keylog: keylog.join('') });
        });
      });
      relay.listen(0, '127.0.0.1', () => {
        const c = tls.connect({ port: relay.address().port, host: '127.0.0.1', servername: 'localhost', ca: crt, checkServerIdentity: () => undefined });
        c.on('data', () => {});
        c.on('end', () => c.end());
        c.on('error', reject);
      });
    });
  });
}

function feedAll(streams, keylog, chunk, opts) {
  const d = new TlsDecoder({ decrypt: true, maxRecordHex: 64, appDataPreview: 16, ...opts });
  let events = d.addKeyLog(keylog).length;
  const counts = { appdata: 0, decrypted: 0, problems: 0 };
  const count = (evs) => {
    events += evs.length;
    for (const e of evs) {
      if (e.type === 'tls:appdata') {
        counts.appdata++;
        if (e.decrypted) counts.decrypted++;
      } else if (e.type === 'tls:undecryptable' || e.type === 'tls:decode-error') counts.problems++;
    }
  };
  // Wire order of a download: the ClientHello, the server's flight and data, then the rest of the client's bytes
  // (its Finished went out before the data came back, but a decoder needs the ServerHello to read it).
  const hello = 5 + streams.client.readUInt16BE(3);
  count(d.feed('client', streams.client.subarray(0, hello)));
  for (let o = 0; o < streams.server.length; o += chunk) count(d.feed('server', streams.server.subarray(o, o + chunk)));
  count(d.feed('client', streams.client.subarray(hello)));
  count(d.end('client'));
  count(d.end('server'));
  count(d.finish());
  return { events, ...counts };
}

function handshakeCost(name, streams, order, keylog) {
  const run = () => {
    const d = new TlsDecoder({ decrypt: true });
    d.addKeyLog(keylog);
    const pos = { client: 0, server: 0 };
    for (const [from, len] of order) {
      d.feed(from, streams[from].subarray(pos[from], pos[from] + len));
      pos[from] += len;
    }
    d.end('client');
    d.end('server');
    return d.finish();
  };
  for (let i = 0; i < 200; i++) run(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < HANDSHAKES; i++) run();
  const us = Number(process.hrtime.bigint() - t0) / 1000 / HANDSHAKES;
  console.log(`handshake  ${name.padEnd(16)} ${us.toFixed(1)} µs per handshake (${HANDSHAKES} runs, both directions, key log, decryption)`);
}

(async () => {
  console.log(`node ${process.version}, ${os.cpus()[0].model}, decoder from dist/tls`);
  const rfc = (ext) => fs.readFileSync(path.join(FIX, 'rfc8448', `rfc8448-simple-1rtt.${ext}`));
  const c2s = rfc('c2s.bin');
  const s2c = rfc('s2c.bin');
  const hello = 5 + c2s.readUInt16BE(3);
  handshakeCost('RFC 8448 (1.3)', { client: c2s, server: s2c }, [['client', hello], ['server', s2c.length], ['client', c2s.length - hello]], rfc('keylog').toString());
  const seed = (ext) => fs.readFileSync(path.join(FIX, 'fuzz-seeds', `node-tls12-gcm.${ext}`));
  handshakeCost('Node TLS 1.2 GCM', { client: seed('c2s.bin'), server: seed('s2c.bin') }, JSON.parse(seed('order.json').toString()), seed('keylog').toString());

  const t0 = Date.now();
  const streams = await recordTransfer(MB * 1024 * 1024);
  console.log(`recorded a Node TLS 1.3 AES-128-GCM transfer: ${(streams.server.length / 2 ** 20).toFixed(1)} MiB server→client in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const chunk of [64 * 1024]) {
    feedAll({ client: streams.client, server: streams.server.subarray(0, 8 << 20) }, streams.keylog, chunk); // warm-up
    const start = process.hrtime.bigint();
    const r = feedAll(streams, streams.keylog, chunk);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    const mb = (streams.client.length + streams.server.length) / 1e6;
    console.log(`throughput ${mb.toFixed(0)} MB in ${s.toFixed(2)} s = ${(mb / s).toFixed(0)} MB/s (${(mb / 1.048576 / s).toFixed(0)} MiB/s) on one core, ` +
      `${chunk / 1024} KiB chunks; ${r.appdata} app-data records, ${r.decrypted} decrypted, ${r.problems} problems, ${r.events} events`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
