// Whose connections a view may see: the whole room (the dashboard port) or one student's own (http://tlslab/
// through the proxy, identity from the proxy sign-in). Applied by the stream hub and every API route. Pure.
import type { Student } from '../events/schema';
import type { ConnectionSummary } from '../events/stream';

/**
 * `student` null: the instructor's dashboard, every connection. Otherwise only the connections whose `conn:open`
 * named this student. Set by the server from where the request came in, never from anything the page sends.
 */
export interface ViewScope {
  readonly student: Student | null;
}

export const WHOLE_ROOM: ViewScope = Object.freeze({ student: null });

export function studentScope(student: Student): ViewScope {
  return Object.freeze({ student: Object.freeze({ id: student.id, name: student.name }) });
}

/**
 * May this view see the connection with summary `s`? A student sees a connection only while its summary is known
 * and names them: a connection whose summary was forgotten (or never seen) is nobody's but the instructor's.
 */
export function inScope(scope: ViewScope, s: ConnectionSummary | undefined): boolean {
  if (scope.student === null) return true;
  return s?.student?.id === scope.student.id;
}

/** A key that tells scopes apart (for sharing encoded batches between viewers of the same scope). */
export function scopeKey(scope: ViewScope): string {
  return scope.student === null ? '*' : scope.student.id;
}
