import { parseConnectTarget } from '../../../src/proxy/tunnel';

describe('parseConnectTarget', () => {
  it.each([
    ['example.com:443', { host: 'example.com', port: 443 }],
    ['Example.COM:8443', { host: 'example.com', port: 8443 }],
    ['127.0.0.1:1', { host: '127.0.0.1', port: 1 }],
    ['[::1]:443', { host: '::1', port: 443 }],
  ])('reads %s', (url, want) => {
    expect(parseConnectTarget(url)).toEqual(want);
  });

  it.each([[undefined], [''], ['example.com'], ['example.com:0'], ['example.com:70000'], ['a b:443'], ['http://x:443'], ['[::1]']])('refuses %j', (url) => {
    expect(parseConnectTarget(url)).toBeNull();
  });
});
