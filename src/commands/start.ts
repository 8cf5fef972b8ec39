// `tlslab start` — placeholder wiring; the proxy issue replaces it.
import type { CommandModule } from 'yargs';
import { TlslabError } from '../errors';

export const startCommand: CommandModule = {
  command: 'start',
  describe: '(not built yet)',
  handler: () => {
    throw new TlslabError('TLSLAB_ERR_USAGE', '`tlslab start` is not built yet');
  },
};
