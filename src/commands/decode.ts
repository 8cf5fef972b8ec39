// `tlslab decode` — placeholder wiring; the owning issue replaces it.
import type { CommandModule } from 'yargs';
import { TlslabError } from '../errors';

export const decodeCommand: CommandModule = {
  command: 'decode',
  describe: '(not built yet)',
  handler: () => {
    throw new TlslabError('TLSLAB_ERR_USAGE', '`tlslab decode` is not built yet');
  },
};
