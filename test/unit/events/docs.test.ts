// docs/events.md is a public interface: every event type and every wire message has a section, and each
// event section's JSON example parses and is an event of that type with the common fields.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { EVENT_TYPES, isEventType } from '../../../src/events/types-list';
import { FAILURE_CAUSES } from '../../../src/events/schema';
import type { EventDraft } from '../../../src/events/schema';
import { reduceSummaries } from '../../../src/events/summary';
import { okConnection, verdict } from '../../helpers/events-drafts';

const doc = readFileSync(path.resolve(__dirname, '../../../docs/events.md'), 'utf8');

/** `### \`name\`` sections: name → body up to the next heading. */
function sections(): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^### `([^`]+)`\s*$/gm;
  const heads = [...doc.matchAll(re)];
  heads.forEach((m) => {
    const start = (m.index ?? 0) + m[0].length;
    const next = doc.slice(start).search(/^#{2,3} /m);
    out.set(m[1], doc.slice(start, next < 0 ? undefined : start + next));
  });
  return out;
}

describe('docs/events.md', () => {
  const secs = sections();

  it('has a section for every event type, in EVENT_TYPES order', () => {
    const documented = [...secs.keys()].filter((k) => isEventType(k));
    expect(documented).toEqual([...EVENT_TYPES]);
  });

  it.each(EVENT_TYPES.map((t) => [t]))('%s: a JSON example of that type with v, conn, seq, t', (type) => {
    const body = secs.get(type) ?? '';
    const m = /```json\n(.+?)\n```/s.exec(body);
    expect(m).not.toBeNull();
    const e = JSON.parse((m as RegExpExecArray)[1]) as Record<string, unknown>;
    expect(e.type).toBe(type);
    expect(e.v).toBe(1);
    expect(typeof e.conn).toBe('string');
    expect(Number.isInteger(e.seq)).toBe(true);
    expect(typeof e.t).toBe('number');
    // every top-level field of the example is described in the section's table
    for (const key of Object.keys(e)) {
      if (['v', 'type', 'conn', 'seq', 't', 'step', 'leg', 'from'].includes(key)) continue;
      expect(body).toContain(`| \`${key}\` |`);
    }
  });

  it('documents every wire message kind and every failure cause', () => {
    for (const kind of ['hello', 'snapshot', 'events', 'room-lessons', 'gap', 'heartbeat']) {
      const body = secs.get(kind);
      expect(body).toBeDefined();
      const m = /```json\n(.+?)\n```/s.exec(body ?? '');
      expect((JSON.parse((m as RegExpExecArray)[1]) as { kind: string }).kind).toBe(kind);
    }
    for (const cause of Object.keys(FAILURE_CAUSES)) expect(doc).toContain(`\`${cause}\``);
    for (const p of ['/api/connections', '/api/connections/:id', '/api/connections/:id/events', '/api/health']) expect(doc).toContain(`### \`GET ${p}\``);
  });

  it('the ConnectionSummary example has exactly the fields the reducer produces, and each is in the table', () => {
    const start = doc.indexOf('## Connection summary');
    const section = doc.slice(start, doc.indexOf('## WebSocket protocol'));
    const m = /```json\n(.+?)\n```/s.exec(section);
    const example = JSON.parse((m as RegExpExecArray)[1]) as Record<string, unknown>;
    const drafts: EventDraft[] = [...okConnection('c7', 'expired.lab.tlslab'), verdict('c7', 'expired.lab.tlslab', false, 'block')];
    const real = reduceSummaries(drafts.map((d, i) => ({ ...d, v: 1, seq: i + 1, t: i }))).get('c7') as object;
    expect(Object.keys(example).sort()).toEqual(Object.keys(real).sort());
    for (const key of Object.keys(example)) expect(section).toContain(`| \`${key}\` |`);
    const leg = (example.legs as Record<string, object>).upstream;
    for (const key of Object.keys(leg)) expect(section).toContain(`| \`${key}\` |`);
  });
});
