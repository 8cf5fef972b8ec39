// RFC 8448 §3 ("Simple 1-RTT Handshake") fixtures for the TLS decoder tests, read from test/fixtures/tls/rfc8448.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, '..', 'fixtures', 'tls', 'rfc8448');

export interface Rfc8448Record {
  name: string;
  direction: 'client_to_server' | 'server_to_client';
  outer_content_type: number;
  record: string;
  record_length: number;
  stream_offset: number;
  encrypted: boolean;
  inner_content_type?: number;
  plaintext: string;
}

export interface Rfc8448 {
  client_random: string;
  server_random: string;
  handshake_messages: Record<string, string>;
  post_handshake_messages: Record<string, string>;
  records: Rfc8448Record[];
}

export const rfc8448: Rfc8448 = JSON.parse(readFileSync(join(dir, 'rfc8448-simple-1rtt.json'), 'utf8')) as Rfc8448;
export const c2s = new Uint8Array(readFileSync(join(dir, 'rfc8448-simple-1rtt.c2s.bin')));
export const s2c = new Uint8Array(readFileSync(join(dir, 'rfc8448-simple-1rtt.s2c.bin')));
export const keylog = readFileSync(join(dir, 'rfc8448-simple-1rtt.keylog'), 'utf8');

export const hexToBytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
