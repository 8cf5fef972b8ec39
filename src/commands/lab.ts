// `tlslab lab` — placeholder wiring; the owning issue replaces it.
import type { CommandModule } from 'yargs';
import { TlslabError } from '../errors';

export const labCommand: CommandModule = {
  command: 'lab',
  describe: '(not built yet)',
  handler: () => {
    throw new TlslabError('TLSLAB_ERR_USAGE', '`tlslab lab` is not built yet');
  },
};
