// Which connection follow mode shows: the newest in scope and not hidden, a failure holding the screen against the same
// host's later connections that did not fail, and the scope's URL form.
import { inScope, parseScopeParam, pickFollowTarget, scopeLabel, scopeParam, type FollowScope } from '../../../src/dashboard/follow-scope';
import { reduceSummaries } from '../../../src/events/summary';
import type { EventDraft, TlslabEvent } from '../../../src/events/schema';
import type { ConnectionSummary } from '../../../src/events/stream';
import { closeEvent, open, rejected } from '../../helpers/events-drafts';

let seq = 0;
const stamp = (d: EventDraft): TlslabEvent => ({ ...d, v: 1, seq: ++seq, t: 1000 + seq });

/** Connections in open order: [id, host, failed?, client port, client address]. */
function conns(list: [string, string, boolean, string?][]): { order: string[]; get: (id: string) => ConnectionSummary | undefined } {
  const drafts: EventDraft[] = [];
  for (const [id, host, failed, address] of list) {
    const o = open(id, host) as EventDraft & { client: { address: string; port: number } };
    drafts.push(address ? { ...o, client: { address, port: 5000 } } : o);
    if (failed) drafts.push(rejected(id));
    drafts.push(closeEvent(id));
  }
  const map = reduceSummaries(drafts.map(stamp));
  return { order: list.map(([id]) => id), get: (id) => map.get(id) };
}
const all = (): boolean => true;

describe('pickFollowTarget', () => {
  it('the newest connection, when nothing failed', () => {
    const { order, get } = conns([['c1', 'a.test', false], ['c2', 'b.test', false]]);
    expect(pickFollowTarget(order, get, 'c1', all)).toBe('c2');
    expect(pickFollowTarget(order, get, null, all)).toBe('c2');
    expect(pickFollowTarget([], get, null, all)).toBeNull();
  });

  it('a failure on screen holds against the same host\'s later connections that did not fail', () => {
    const { order, get } = conns([['c1', 'a.test', true], ['c2', 'a.test', false], ['c3', 'a.test', false]]);
    expect(pickFollowTarget(order, get, 'c1', all)).toBe('c1');
  });

  it('a newer failure, or a connection to another host, takes over', () => {
    const same = conns([['c1', 'a.test', true], ['c2', 'a.test', true]]);
    expect(pickFollowTarget(same.order, same.get, 'c1', all)).toBe('c2');
    const other = conns([['c1', 'a.test', true], ['c2', 'a.test', false], ['c3', 'b.test', false]]);
    expect(pickFollowTarget(other.order, other.get, 'c1', all)).toBe('c3');
  });

  it('what `accept` refuses is never shown, even the connection on screen', () => {
    const { order, get } = conns([['c1', 'a.test', false], ['c2', 'noise.test', false]]);
    const notNoise = (s: ConnectionSummary): boolean => s.target.host !== 'noise.test';
    expect(pickFollowTarget(order, get, 'c2', notNoise)).toBe('c1');
    expect(pickFollowTarget(order, get, 'c2', () => false)).toBeNull();
  });
});

describe('follow scopes', () => {
  const { get } = conns([['c1', 'a.test', false, '10.0.0.7']]);
  const s = get('c1') as ConnectionSummary;
  it.each<[FollowScope, boolean]>([
    [{ kind: 'client', address: '10.0.0.7' }, true],
    [{ kind: 'client', address: '10.0.0.8' }, false],
    [{ kind: 'host', host: 'a.test' }, true],
    [{ kind: 'host', host: 'b.test' }, false],
    [{ kind: 'student', id: 's-0000000000000000', name: 'Ada' }, false],
  ])('%j → %s', (scope, want) => {
    expect(inScope(scope, s)).toBe(want);
  });

  it('reads and writes the spotlight= value', () => {
    expect(parseScopeParam('client:10.0.0.7')).toEqual({ scope: { kind: 'client', address: '10.0.0.7' } });
    expect(parseScopeParam('HOST:Expired.Lab.Tlslab')).toEqual({ scope: { kind: 'host', host: 'expired.lab.tlslab' } });
    expect(parseScopeParam('Ada Lovelace')).toEqual({ student: 'Ada Lovelace' });
    expect(scopeParam({ kind: 'host', host: 'a.test' })).toBe('host:a.test');
    expect(scopeParam({ kind: 'student', id: 's-1', name: 'Ada' })).toBe('s-1');
    expect(scopeLabel({ kind: 'client', address: '10.0.0.7' })).toBe('client 10.0.0.7');
    expect(inScope(null, s)).toBe(true);
  });
});
