// The room overview of classroom mode as a pure reducer beside the summary reducer: per student, how many
// connections, how many ended failed, the lab cases reached, when last seen, and (set by the server) the lessons they
// are on and finished. Shared by the server and the dashboard.
import type { Student, TlslabEvent } from './schema.js';
import type { ConnectionSummary } from './stream.js';
import { isFailure } from './summary.js';

/** One student's line in the room overview. */
export interface RoomStudent {
  /** The student's id (`s-` and 16 hex digits), as on `conn:open`. */
  id: string;
  /** Their display name, as on their latest connection. */
  name: string;
  /** Connections opened under this name (`conn:open` events). */
  connections: number;
  /** Connections that ended with a failed leg or relayed insecurely (counted at their `conn:close`). */
  failures: number;
  /** The built-in lab cases they have opened a connection to (`expired`, `self-signed`, …), sorted. */
  labs: string[];
  /** Time of their first and latest event (ms since the epoch, the events' `t`). */
  firstSeen: number;
  lastSeen: number;
  /** Their newest connection (the latest `conn:open`): what a spotlight opens first. */
  lastConn: string;
  /** Their lesson progress, kept by the server (a student's view through the proxy); absent until they answer or pick one. */
  lessons?: RoomLessons;
}

/** One student's lessons as the room overview shows them: the one they are on, and those they finished. */
export interface RoomLessons {
  /** The lesson open in their panel, with how many of its questions they have answered; null when none is. */
  current: { id: string; answered: number; total: number } | null;
  /** Lessons whose every question they answered, in the order they finished them, with how many were right. */
  finished: { id: string; correct: number; total: number }[];
  /** When their progress last changed (ms since the epoch, the server's clock). */
  t: number;
}

/** The room: students by id. */
export type Room = Map<string, RoomStudent>;

/** Students remembered at most; beyond it the one seen longest ago is dropped (a room is tens, not thousands). */
export const MAX_ROOM_STUDENTS = 1000;

/**
 * Folds one event into its student's line. `s` is the connection's summary *after* the event (it names the
 * student: only `conn:open` carries it). Pure: returns a new line, or `prev` when the event changes nothing.
 */
export function reduceRoomStudent(prev: RoomStudent | undefined, e: TlslabEvent, s: ConnectionSummary): RoomStudent | undefined {
  const who = s.student;
  if (who === undefined) return prev;
  const base: RoomStudent = prev ?? { id: who.id, name: who.name, connections: 0, failures: 0, labs: [], firstSeen: e.t, lastSeen: e.t, lastConn: e.conn };
  const next: RoomStudent = { ...base, name: who.name, lastSeen: Math.max(base.lastSeen, e.t) };
  if (e.type === 'conn:open') {
    next.connections = base.connections + 1;
    next.lastConn = e.conn;
    if (e.lab !== undefined && !base.labs.includes(e.lab)) next.labs = [...base.labs, e.lab].sort();
  } else if (e.type === 'conn:close' && isFailure(s)) {
    next.failures = base.failures + 1;
  }
  return next;
}

/**
 * Applies one event to the room (the container is a Map, as `reduceSummaries` fills one). `s`: the connection's
 * summary after the event, or undefined when it is not known (forgotten): such events change nothing.
 * Returns the student whose line changed, or null.
 */
export function applyRoomEvent(room: Room, e: TlslabEvent, s: ConnectionSummary | undefined, max = MAX_ROOM_STUDENTS): RoomStudent | null {
  const id = s?.student?.id;
  if (s === undefined || id === undefined) return null;
  const prev = room.get(id);
  const next = reduceRoomStudent(prev, e, s);
  if (next === undefined || next === prev) return null;
  room.set(id, next);
  if (prev === undefined && room.size > Math.max(1, max)) dropLeastRecent(room, id);
  return next;
}

/**
 * Sets one student's lesson progress on their line (made, with no connections, if they have none yet). Connections,
 * failures and lab cases are left as the events made them: both the server and the dashboard fold events in
 * themselves, and progress is a whole state, so applying it twice or late changes nothing. Returns the new line.
 */
export function applyRoomLessons(room: Room, who: Student, lessons: RoomLessons, max = MAX_ROOM_STUDENTS): RoomStudent {
  const prev = room.get(who.id);
  const base: RoomStudent = prev ?? { id: who.id, name: who.name, connections: 0, failures: 0, labs: [], firstSeen: lessons.t, lastSeen: lessons.t, lastConn: '' };
  const next: RoomStudent = { ...base, lessons, lastSeen: Math.max(base.lastSeen, lessons.t) };
  room.set(who.id, next);
  if (prev === undefined && room.size > Math.max(1, max)) dropLeastRecent(room, who.id);
  return next;
}

function dropLeastRecent(room: Room, keep: string): void {
  let oldest: RoomStudent | null = null;
  for (const r of room.values()) if (r.id !== keep && (oldest === null || r.lastSeen < oldest.lastSeen)) oldest = r;
  if (oldest !== null) room.delete(oldest.id);
}

/** The room's lines in the order the overview shows them: by name (case- and accent-insensitive), then id. */
export function roomRows(room: Iterable<RoomStudent>): RoomStudent[] {
  return [...room].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
