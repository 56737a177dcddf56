/** The core: /help, /convene status, /privacy and the bot's own plumbing. */
import conveneStatus from '../../../commands/conveneStatus.js';
import help from '../../../commands/help.js';
import privacyDelete, { privacyDeleteConfirm } from '../../../commands/privacyDelete.js';
import privacyShow from '../../../commands/privacyShow.js';
import { defineFeature } from '../feature.js';
import { retentionJob } from './retention.js';

export const coreFeature = defineFeature({
  name: 'core',
  commands: [help, conveneStatus, privacyShow, privacyDelete],
  buttons: [privacyDeleteConfirm],
  jobs: [retentionJob],
});
