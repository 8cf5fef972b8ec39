// Before the first test file: the simulated LANs (test/helpers/lan-setups.ts), made once, so that the machine's
// interfaces do not change while tests run. Workers read whether it worked from TLSLAB_NETNS ("ok" or why not).
import { execFileSync } from 'node:child_process';
import { LANS } from './helpers/lan-setups';
import { deleteNamespace, makeNamespace } from './helpers/netns-admin';

function why(): string | null {
  if (process.getuid?.() !== 0) return 'runs as root only (it creates network namespaces)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs ip on PATH (apt-get install iproute2)';
  }
  return null;
}

export default function globalSetup(): void {
  const missing = why();
  if (missing !== null) {
    process.env['TLSLAB_NETNS'] = missing;
    return;
  }
  try {
    for (const [tag, subnets] of Object.entries(LANS)) makeNamespace(tag, subnets);
    process.env['TLSLAB_NETNS'] = 'ok';
  } catch (err) {
    for (const tag of Object.keys(LANS)) deleteNamespace(tag);
    process.env['TLSLAB_NETNS'] = `cannot create a network namespace here: ${String((err as Error).message).split('\n')[0]}`;
  }
}
