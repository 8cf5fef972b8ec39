// What the connection view shows before a connection is picked: the two legs, the story in eight steps and how to
// read the page. DOM only: builds the elements, no I/O.
import { LESSON_STEPS, type LessonStep } from '../events/schema.js';
import { h } from './dom.js';

/** What the page shows before a connection is picked: how to read it. */
export function intro(): HTMLElement {
  const steps = ([1, 2, 3, 4, 5, 6, 7, 8] as LessonStep[]).map((n) => h('li', null, h('span', { class: 'step-no', text: String(n) }), h('span', { text: LESSON_STEPS[n] })));
  return h(
    'div',
    { class: 'intro' },
    h('h1', { text: 'Two handshakes, side by side' }),
    h('p', { text: 'tlslab sits in the middle: the browser does TLS with tlslab (the client leg), and tlslab does TLS with the real server (the upstream leg). Pick a connection on the left, or press Follow to watch the newest one.' }),
    h('div', { class: 'intro-cols' },
      h('div', null, h('h2', { text: 'The story in 8 steps' }), h('ol', { class: 'intro-steps' }, ...steps)),
      h(
        'div',
        null,
        h('h2', { text: 'How to read it' }),
        h(
          'ul',
          { class: 'intro-legend' },
          h('li', null, h('span', { class: 'pill s-ok', text: '✓ ok' }), ' both legs fine'),
          h('li', null, h('span', { class: 'pill s-failed', text: '✗ failed' }), ' a leg failed: its step is lit'),
          h('li', null, h('span', { class: 'pill s-insecure', text: '⚠ insecure' }), ' relayed despite a bad certificate'),
          h('li', null, h('span', { class: 'pill s-open', text: '◔ open' }), ' still running'),
          h('li', null, h('span', { class: 'lock' }), ' dashed arrow: encrypted on the wire, shown decrypted'),
          h('li', null, 'Click a message to see its bytes; hover a field to light them.'),
          h('li', null, 'Keys: ↑ ↓ Home End in the list, Enter to open, f to follow, Esc to close the bytes.'),
        ),
      ),
    ),
  );
}
