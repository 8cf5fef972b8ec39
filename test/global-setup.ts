// Before the first test file: the simulated LANs (test/helpers/lan-setups.ts), made once, so that the machine's
// interfaces do not change while tests run. Workers read whether it worked from TLSLAB_NETNS ("ok" or why not).
import { LANS } from './helpers/lan-setups';
import { cannotCreate, deleteNamespace, makeNamespace, whyNoNamespaces } from './helpers/netns-admin';

export default function globalSetup(): void {
  const missing = whyNoNamespaces();
  if (missing !== null) {
    process.env['TLSLAB_NETNS'] = missing;
    return;
  }
  try {
    for (const [tag, subnets] of Object.entries(LANS)) makeNamespace(tag, subnets);
    process.env['TLSLAB_NETNS'] = 'ok';
  } catch (err) {
    for (const tag of Object.keys(LANS)) deleteNamespace(tag);
    process.env['TLSLAB_NETNS'] = cannotCreate(err);
  }
}
