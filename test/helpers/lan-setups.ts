// The LANs the classroom suites simulate, one network namespace each (tag → subnets). Jest's global setup makes them
// all before the first test file and removes them after the last, so no interface of this machine changes while a
// browser runs in another worker (Chromium drops navigations and requests in flight when one does). Pure data.
import type { NetnsSubnet } from './netns-admin';

export const LANS = {
  /** classroom-guard: a private subnet, and a public one (for --allow-client). */
  guard: [
    { host: '10.231.8.1', students: ['10.231.8.2'], prefix: 30 },
    { host: '198.51.100.1', students: ['198.51.100.2'], prefix: 30 },
  ],
  /** classroom-signin: a student, a second PC of theirs, and someone guessing the class code. */
  signin: [{ host: '10.231.7.1', students: ['10.231.7.2', '10.231.7.3', '10.231.7.4'], prefix: 29 }],
} as const satisfies Record<string, readonly NetnsSubnet[]>;

export type LanTag = keyof typeof LANS;
