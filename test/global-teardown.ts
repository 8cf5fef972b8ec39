// After the last test file: the simulated LANs the global setup made are removed.
import { LANS } from './helpers/lan-setups';
import { deleteNamespace } from './helpers/netns-admin';

export default function globalTeardown(): void {
  if (process.env['TLSLAB_NETNS'] === 'ok') for (const tag of Object.keys(LANS)) deleteNamespace(tag);
}
