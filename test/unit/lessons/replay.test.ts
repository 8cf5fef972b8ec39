// Step-through replay of a recorded handshake: the RFC 8448 §3 bytes decoded by the real decoder, played message by
// message in wire order and in the eight steps' order, each item with its step and note.
import { replayItems } from '../../../src/lessons/replay';
import { ConnBuilder } from './connection-fixture';

const view = new ConnBuilder().open('valid').rfc8448('client').close().view();

it('wire order: the messages of RFC 8448 §3 as they crossed the wire, one item each', () => {
  const items = replayItems(view.events, 'wire');
  expect(items.map((i) => `${i.from ?? '-'} ${i.label}`)).toEqual([
    'client ClientHello',
    'server ServerHello',
    'server EncryptedExtensions',
    'server Certificate',
    'server CertificateVerify',
    'server Finished',
    'client Finished',
    '- Handshake complete: TLS 1.3',
    'server NewSessionTicket',
    'client Encrypted data',
    'server Encrypted data',
    'client close_notify',
    'server close_notify',
    '- Connection closed',
  ]);
  expect(items.map((i) => i.seq)).toEqual([...items.map((i) => i.seq)].sort((a, b) => a - b));
  // Encrypted on the wire from EncryptedExtensions on; notes tell how TLS 1.3 departs from the story.
  expect(items.filter((i) => i.encrypted).map((i) => i.label)).toEqual(expect.arrayContaining(['EncryptedExtensions', 'Certificate', 'Finished']));
  expect(items.find((i) => i.label === 'ServerHello')?.note).toMatch(/key_share/);
  expect(items.find((i) => i.label === 'ServerHello')?.detail).toBe('TLS 1.3 · TLS_AES_128_GCM_SHA256');
});

it("the eight steps' order: by step, then as they happened", () => {
  const story = replayItems(view.events, 'story');
  const steps = story.map((i) => i.step);
  expect(steps).toEqual([...steps].sort((a, b) => a - b));
  expect(story.map((i) => i.label).slice(0, 5)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify']);
  expect(story).toHaveLength(replayItems(view.events, 'wire').length);
});
