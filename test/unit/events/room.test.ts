// The room overview reducer: per student, connections, failures counted at close, lab cases reached, first and last
// seen; events of connections without a student (or forgotten) change nothing; the room stays bounded; sorted rows;
// lesson progress set on a line (made if new) without touching what the events counted.
import { applyRoomEvent, applyRoomLessons, MAX_ROOM_STUDENTS, reduceRoomStudent, roomRows, type Room, type RoomStudent } from '../../../src/events/room';
import { reduceSummary } from '../../../src/events/summary';
import type { ConnOpenEvent, EventDraft, Student, TlslabEvent } from '../../../src/events/schema';
import type { ConnectionSummary } from '../../../src/events/stream';
import { closeEvent, okConnection, open, verdict } from '../../helpers/events-drafts';

const ADA: Student = { id: 's-00000000000000a1', name: 'Ada' };
const GRACE: Student = { id: 's-00000000000000b2', name: 'Grace' };

/** Stamps drafts (seq and t from 1) as the bus would, giving `conn:open` the student and lab of its connection. */
function stamp(drafts: EventDraft[], who: Record<string, Student | undefined>, labs: Record<string, string> = {}): TlslabEvent[] {
  return drafts.map((d, i) => {
    const e = { ...d, v: 1, seq: i + 1, t: 1000 + i } as TlslabEvent;
    if (e.type !== 'conn:open') return e;
    const o: ConnOpenEvent = { ...e };
    const s = who[e.conn];
    if (s !== undefined) o.student = s;
    const lab = labs[e.conn];
    if (lab !== undefined) o.lab = lab;
    return o;
  });
}

/** Runs the events through the summary reducer and the room, as the server and the page do. */
function roomOf(events: TlslabEvent[], room: Room = new Map(), max?: number): Room {
  const sums = new Map<string, ConnectionSummary>();
  for (const e of events) {
    const s = reduceSummary(sums.get(e.conn), e);
    sums.set(e.conn, s);
    applyRoomEvent(room, e, s, max);
  }
  return room;
}

describe('room overview', () => {
  it('counts connections, failures at their close, the lab cases reached (sorted, once each), first and last seen', () => {
    const events = stamp([
      ...okConnection('c1', 'valid.lab.tlslab'),
      open('c2', 'expired.lab.tlslab'), verdict('c2', 'expired.lab.tlslab', false, 'block'), closeEvent('c2'),
      ...okConnection('c3', 'valid.lab.tlslab'),
      open('c4', 'self-signed.lab.tlslab'), closeEvent('c4', 'upstream-reset'),
      ...okConnection('c5', 'example.com'),
    ], { c1: ADA, c2: ADA, c3: ADA, c4: GRACE }, { c1: 'valid', c2: 'expired', c3: 'valid', c4: 'self-signed' });
    const rows = roomRows(roomOf(events).values());
    const adaEvents = events.filter((e) => ['c1', 'c2', 'c3'].includes(e.conn));
    expect(rows).toEqual([
      { id: ADA.id, name: 'Ada', connections: 3, failures: 1, labs: ['expired', 'valid'], firstSeen: adaEvents[0]?.t, lastSeen: adaEvents[adaEvents.length - 1]?.t, lastConn: 'c3' },
      { id: GRACE.id, name: 'Grace', connections: 1, failures: 1, labs: ['self-signed'], firstSeen: 1000 + events.findIndex((e) => e.conn === 'c4'), lastSeen: 1000 + events.length - okConnection('c5').length - 1, lastConn: 'c4' },
    ]);
  });

  it('a failure is counted once, at its close: not while the connection is still open', () => {
    const events = stamp([open('c1', 'expired.lab.tlslab'), verdict('c1', 'expired.lab.tlslab', false, 'allow'), closeEvent('c1')], { c1: ADA });
    const room: Room = new Map();
    let sum: ConnectionSummary | undefined;
    const failuresAfter: number[] = [];
    for (const e of events) {
      sum = reduceSummary(sum, e);
      applyRoomEvent(room, e, sum);
      failuresAfter.push(room.get(ADA.id)?.failures ?? -1);
    }
    expect(sum?.status).toBe('insecure');
    expect(failuresAfter).toEqual([0, 0, 1]);
  });

  it('ignores connections without a student and events whose summary is unknown (forgotten)', () => {
    const events = stamp(okConnection('c1'), {});
    expect(roomOf(events).size).toBe(0);
    const room: Room = new Map();
    for (const e of stamp(okConnection('c2'), { c2: ADA })) expect(applyRoomEvent(room, e, undefined)).toBeNull();
    expect(room.size).toBe(0);
  });

  it('is pure: the previous line is not changed, an event that changes nothing returns it as it was', () => {
    const [o] = stamp([open('c1')], { c1: ADA });
    const s = reduceSummary(undefined, o);
    const first = reduceRoomStudent(undefined, o, s) as RoomStudent;
    const frozen = Object.freeze({ ...first, labs: Object.freeze([...first.labs]) as string[] });
    const next = reduceRoomStudent(frozen, { ...o, conn: 'c2', seq: 2, t: 5000 }, s) as RoomStudent;
    expect(next).not.toBe(frozen);
    expect(next.connections).toBe(2);
    expect(frozen.connections).toBe(1);
    const noStudent = reduceSummary(undefined, stamp([open('c9')], {})[0]);
    expect(reduceRoomStudent(frozen, o, noStudent)).toBe(frozen);
  });

  it('the name follows the latest connection (same id: only the case differs)', () => {
    const events = stamp([open('c1'), open('c2')], { c1: ADA, c2: { id: ADA.id, name: 'ADA' } });
    expect(roomOf(events).get(ADA.id)?.name).toBe('ADA');
  });

  it('stays bounded: beyond the limit the student seen longest ago goes', () => {
    const who: Record<string, Student> = {};
    const drafts: EventDraft[] = [];
    for (let i = 0; i < 5; i++) {
      drafts.push(open(`c${i}`));
      who[`c${i}`] = { id: `s-${String(i).padStart(16, '0')}`, name: `S${i}` };
    }
    const room = roomOf(stamp(drafts, who), new Map(), 3);
    expect([...room.keys()].sort()).toEqual(['s-0000000000000002', 's-0000000000000003', 's-0000000000000004']);
    expect(MAX_ROOM_STUDENTS).toBeGreaterThanOrEqual(100);
  });

  it('rows are sorted by name, case- and accent-insensitive', () => {
    const line = (id: string, name: string): RoomStudent => ({ id, name, connections: 0, failures: 0, labs: [], firstSeen: 0, lastSeen: 0, lastConn: '' });
    expect(roomRows([line('s-3', 'zoë'), line('s-1', 'Émile'), line('s-2', 'ada')]).map((r) => r.name)).toEqual(['ada', 'Émile', 'zoë']);
  });

  it('sets a student\'s lessons on their line, made with no connections if new, and events keep counting beside it', () => {
    const lessons = { current: { id: 'quiz', answered: 1, total: 2 }, finished: [], t: 5000 };
    const room: Room = new Map();
    const line = applyRoomLessons(room, GRACE, lessons);
    expect(line).toEqual({ id: GRACE.id, name: 'Grace', connections: 0, failures: 0, labs: [], firstSeen: 5000, lastSeen: 5000, lastConn: '', lessons });
    roomOf(stamp([...okConnection('c1', 'valid.lab.tlslab')], { c1: GRACE }, { c1: 'valid' }), room);
    expect(room.get(GRACE.id)).toEqual(expect.objectContaining({ connections: 1, labs: ['valid'], lastConn: 'c1', lessons, lastSeen: 5000 }));
    const finished = { current: { id: 'quiz', answered: 2, total: 2 }, finished: [{ id: 'quiz', correct: 2, total: 2 }], t: 6000 };
    applyRoomLessons(room, GRACE, finished);
    applyRoomLessons(room, GRACE, finished); // a whole state: applied twice, the same line
    expect(room.get(GRACE.id)).toEqual(expect.objectContaining({ connections: 1, lessons: finished, lastSeen: 6000 }));
    // Bounded like the rest of the room.
    applyRoomLessons(room, ADA, lessons, 1);
    expect([...room.keys()]).toEqual([ADA.id]);
  });
});
