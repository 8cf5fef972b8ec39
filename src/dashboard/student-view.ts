// A student's own view (classroom mode): the bar saying who is signed in, with the tlslab CA's links, and no
// instructor controls. DOM only: the server said so in `hello` and keeps the stream to their connections.
import type { Student } from '../events/schema.js';
import type { ConnView } from './conn-view.js';
import { h, replace } from './dom.js';
import type { LessonPanel } from './lesson-panel.js';

/** The parts of the page a student's own view changes (main.ts builds them). */
export interface StudentViewParts {
  brandSub: HTMLElement;
  studentBar: HTMLElement;
  roomBtn: HTMLElement;
  conn: ConnView;
  lessons: LessonPanel;
}

/**
 * The page is a student's own view (the server said so in `hello`; the server, not this page, keeps it to their
 * connections): who they are, where the CA is, and no instructor controls.
 */
export function studentView(me: Student, { brandSub, studentBar, roomBtn, conn, lessons }: StudentViewParts): void {
  document.body.classList.add('student-view');
  document.title = `tlslab — ${me.name}'s connections`;
  brandSub.textContent = 'your connections, live';
  conn.onSpotlight = null;
  conn.onScope = null;
  conn.ownView = true;
  roomBtn.remove();
  lessons.useServerProgress();
  replace(
    studentBar,
    h('span', { class: 'student-me' }, 'Signed in to the proxy as ', h('strong', { class: 'student-name', text: me.name }), '. This view shows the connections made under your name, and only those.'),
    h(
      'span',
      { class: 'student-ca' },
      'tlslab CA certificate: ',
      h('a', { href: '/tlslab-ca.pem', download: 'tlslab-ca.pem', text: 'tlslab-ca.pem' }),
      ' · ',
      h('a', { href: '/tlslab-ca.der', download: 'tlslab-ca.der', text: '.der' }),
      ' · ',
      h('a', { href: '/ca', class: 'ca-steps', text: 'fingerprint and install steps' }),
    ),
  );
  studentBar.hidden = false;
}
