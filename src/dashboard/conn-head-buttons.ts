// What the connection view's header offers: ▶ Replay and ⚷ Key schedule, the spotlights (a student, this client,
// this host) and the connection's export links. DOM only: buttons call back (dialogs, follow mode), links go to REST.
import type { Student, TlslabEvent } from '../events/schema.js';
import type { ConnectionSummary } from '../events/stream.js';
import { h } from './dom.js';
import { scopeParam, type FollowScope } from './follow-scope.js';
import type { KeyScheduleView } from './key-schedule-view.js';
import type { ReplayView } from './replay-view.js';

/** What the header's buttons depend on: the connection view's settings (main.ts sets them; see ConnView). */
export interface HeadControls {
  onSpotlight: ((student: Student, conn: string) => void) | null;
  scope: FollowScope | null;
  ownView: boolean;
  onScope: ((scope: FollowScope, conn: string) => void) | null;
  dialogs: { replay: ReplayView; keys: KeyScheduleView } | null;
}

/**
 * "▶ Replay" (the two ladders message by message) and, when tlslab learned the connection's secrets (a `tls:keys`
 * event), "⚷ Key schedule". Whoever sees the connection may replay it; a student's key schedule holds their
 * session's secrets, so only their own view offers it (the server refuses it to the instructor's dashboard too).
 */
export function toolButtons(c: HeadControls, id: string, events: readonly TlslabEvent[], student: Student | undefined): HTMLElement | null {
  const d = c.dialogs;
  if (d === null) return null;
  const replay = h('button', { type: 'button', class: 'toggle conn-replay', title: 'Play both ladders message by message, with each one\'s step and note', text: '▶ Replay' });
  replay.addEventListener('click', () => void d.replay.open(id));
  const instructorOnStudent = student !== undefined && !c.ownView;
  const keys = events.some((e) => e.type === 'tls:keys') && !instructorOnStudent
    ? h('button', { type: 'button', class: 'toggle conn-keys', title: 'How this connection\'s keys were derived, leg by leg, from its own secrets', text: '⚷ Key schedule' })
    : null;
  keys?.addEventListener('click', () => void d.keys.open(id));
  return h('span', { class: 'conn-tools' }, replay, keys);
}

/** "Spotlight NAME" for a student's connection on the instructor's dashboard (not while they are spotlighted). */
export function spotlightButton(c: HeadControls, conn: string, student: Student | undefined): HTMLElement | null {
  const on = c.onSpotlight;
  if (on === null || student === undefined || (c.scope?.kind === 'student' && c.scope.id === student.id)) return null;
  const b = h('button', { type: 'button', class: 'toggle spotlight-btn', title: `Show this connection large and follow ${student.name}'s newest connections (for the projector)`, text: `◎ Spotlight ${student.name}` });
  b.addEventListener('click', () => on(student, conn));
  return b;
}

/** "Spotlight this client" and "… this host": follow mode limited to this connection's address or host. */
export function scopeButtons(c: HeadControls, s: ConnectionSummary): HTMLElement | null {
  const on = c.onScope;
  if (on === null) return null;
  const host = (s.sni ?? s.target.host).toLowerCase();
  const mk = (scope: FollowScope, text: string, title: string): HTMLElement | null => {
    const cur = c.scope;
    if (cur && cur.kind === scope.kind && scopeParam(cur) === scopeParam(scope)) return null;
    const b = h('button', { type: 'button', class: 'toggle scope-btn', 'data-scope': scope.kind, title, text });
    b.addEventListener('click', () => on(scope, s.id));
    return b;
  };
  const buttons = [
    s.client.address ? mk({ kind: 'client', address: s.client.address }, '◎ Spotlight this client', `Follow mode limited to this client: this connection large, then only newer connections from ${s.client.address} (for the projector)`) : null,
    host ? mk({ kind: 'host', host }, '◎ Spotlight this host', `Follow mode limited to this host: this connection large, then only newer connections to ${host} (for the projector)`) : null,
  ].filter((b): b is HTMLElement => b !== null);
  return buttons.length ? h('span', { class: 'scope-btns' }, ...buttons) : null;
}

/** The connection's downloads: both legs as pcapng, its HTTP as HAR, its events as JSON (same origin: the token cookie goes along). */
export function exportLinks(id: string): HTMLElement[] {
  return [
    h('a', { class: 'pcapng-link', href: pcapngHref(id), download: `tlslab-${id}.pcapng`, title: 'Both legs as a pcapng with the session keys inside: Wireshark opens it decrypted', text: 'Open in Wireshark (pcapng)' }),
    h('a', { class: 'pcapng-link', href: `/api/export.har?conn=${encodeURIComponent(id)}`, download: `tlslab-${id}.har`, title: 'This connection\'s HTTP requests and responses as HAR 1.2 (credentials masked)', text: 'HAR' }),
    h('a', { class: 'pcapng-link', href: `/api/connections/${encodeURIComponent(id)}/events`, download: `tlslab-${id}-events.json`, title: 'Every event of this connection as JSON (the schema in docs/events.md)', text: 'Events (JSON)' }),
  ];
}

/** `/api/connections/<id>/pcapng` (same origin: the token cookie goes along). */
export function pcapngHref(id: string): string {
  return `/api/connections/${encodeURIComponent(id)}/pcapng`;
}
