// The list's student and client menus: an option for each client address and each student as connections show
// them (students in name order), and a student asked for before they were seen. DOM only; reads the Store.
import type { ConnectionSummary } from '../events/stream.js';
import { foldName, studentMatches } from '../events/filter.js';
import { h } from './dom.js';
import type { Store } from './store.js';

export class ListMenus {
  readonly clientSel: HTMLSelectElement;
  readonly studentSel: HTMLSelectElement;
  private readonly clients = new Set<string>();
  /** Students seen, by id → the option that names them. */
  private readonly students = new Map<string, HTMLOptionElement>();

  constructor(private readonly store: Store) {
    this.clientSel = h('select', { 'aria-label': 'Filter by client' }, h('option', { value: '', text: 'All clients' }));
    this.studentSel = h('select', { class: 'student-sel', 'aria-label': 'Filter by student', hidden: true }, h('option', { value: '', text: 'All students' }));
  }

  /** Puts the menu on `want` (an id or a name), adding an option for a student not seen yet. */
  showStudent(want: string): void {
    if (want === '') {
      this.studentSel.value = '';
      return;
    }
    let hit = this.students.get(want);
    if (hit === undefined) {
      for (const rec of this.store.conns.values()) {
        const who = rec.summary.student;
        if (who !== undefined && studentMatches(want, rec.summary)) {
          hit = this.noteStudent(who.id, who.name);
          break;
        }
      }
    }
    if (hit === undefined) {
      hit = h('option', { value: want, text: want });
      this.studentSel.append(hit);
      this.studentSel.hidden = false;
    }
    this.studentSel.value = hit.value;
  }

  /** Adds options for the client and the student of a connection not seen before. */
  note(s: ConnectionSummary): void {
    const addr = s.client.address;
    if (!this.clients.has(addr)) {
      this.clients.add(addr);
      this.clientSel.append(h('option', { value: addr, text: addr }));
    }
    if (s.student !== undefined) this.noteStudent(s.student.id, s.student.name);
  }

  /** The menu's option for a student (added in name order the first time they are seen). */
  private noteStudent(id: string, name: string): HTMLOptionElement {
    const known = this.students.get(id);
    if (known !== undefined) return known;
    const opt = h('option', { value: id, text: name });
    this.students.set(id, opt);
    const after = [...this.students.values()].find((o) => o !== opt && o.text.localeCompare(name, undefined, { sensitivity: 'base' }) > 0);
    if (after) this.studentSel.insertBefore(opt, after);
    else this.studentSel.append(opt);
    this.studentSel.hidden = false;
    // A student asked for by name before they were seen (`?student=`): their own option takes over the placeholder.
    const placeholder = this.studentSel.selectedOptions[0];
    if (placeholder && placeholder.value !== '' && !this.students.has(placeholder.value) && (placeholder.value === id || foldName(placeholder.value) === foldName(name))) {
      placeholder.remove();
      this.studentSel.value = id;
    }
    return opt;
  }
}
