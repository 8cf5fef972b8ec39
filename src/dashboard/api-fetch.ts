// A GET of the dashboard's own API that outlasts a moment of network change: Chromium cancels the requests in flight
// when the machine's network interfaces change (ERR_NETWORK_CHANGED: a laptop switching networks), and fetch then
// rejects. Network: same-origin fetch (the token cookie goes along).

/** How many times a GET is tried in all, and the pause before the second try (doubled before each next one). */
const TRIES = 3;
const PAUSE_MS = 250;

/** `fetch(url)`, tried again after a pause when it rejects (no answer at all); an HTTP error status is an answer. */
export async function apiGet(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url);
    } catch (err) {
      if (attempt >= TRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * 2 ** (attempt - 1)));
    }
  }
}

/** The sentence a dialog shows when its GET got no answer even so. */
export function unreachableText(what: string): string {
  return `Could not load ${what}: the page got no answer from tlslab. Close this and try again.`;
}
