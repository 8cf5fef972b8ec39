// The server's copy of the room overview: every bus event folded in with the shared reducer (src/events/room.ts), and
// each student's lesson progress as it changes, for the instructor's snapshots and GET /api/room. No I/O: a bus
// subscription and a Map.
import type { EventBus } from '../events/bus';
import { applyRoomEvent, applyRoomLessons, roomRows, type Room, type RoomLessons, type RoomStudent } from '../events/room';
import type { Student } from '../events/schema';

export class RoomTracker {
  private readonly room: Room = new Map();
  private readonly unsubscribe: () => void;

  /** Subscribes at once: the room covers the events emitted from now on (the bus's summaries are already updated). */
  constructor(private readonly bus: EventBus) {
    this.unsubscribe = bus.subscribe((e) => {
      applyRoomEvent(this.room, e, this.bus.summary(e.conn));
    });
  }

  /** A student's lesson progress changed (the whole of it): set on their line. */
  setLessons(student: Student, lessons: RoomLessons): void {
    applyRoomLessons(this.room, student, lessons);
  }

  /** The room's lines, sorted as the overview shows them. */
  rows(): RoomStudent[] {
    return roomRows(this.room.values());
  }

  get size(): number {
    return this.room.size;
  }

  close(): void {
    this.unsubscribe();
  }
}
