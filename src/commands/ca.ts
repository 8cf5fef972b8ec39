// `tlslab ca` — placeholder wiring; the owning issue replaces it.
import type { CommandModule } from 'yargs';
import { TlslabError } from '../errors';

export const caCommand: CommandModule = {
  command: 'ca',
  describe: '(not built yet)',
  handler: () => {
    throw new TlslabError('TLSLAB_ERR_USAGE', '`tlslab ca` is not built yet');
  },
};
