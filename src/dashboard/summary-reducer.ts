// The dashboard keeps summaries live with the very reducer the server uses (src/events/summary.ts).
// Pure re-export; no I/O.
export { reduceSummary } from '../events/summary.js';
