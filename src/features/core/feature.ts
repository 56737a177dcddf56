/** The core: /help, /convene status, /privacy and the bot's own plumbing. */
import convenePrivacySet from '../../../commands/convenePrivacySet.js';
import conveneStatus from '../../../commands/conveneStatus.js';
import help from '../../../commands/help.js';
import privacyDelete, { privacyDeleteConfirm } from '../../../commands/privacyDelete.js';
import privacyShow from '../../../commands/privacyShow.js';
import { getSettings } from '../../guildSettings.js';
import { defineFeature } from '../feature.js';
// The feature list includes this feature: used only when an event arrives, after every module loaded.
import { features } from '../index.js';
import { eraseMember } from './privacy.js';
import { retentionJob } from './retention.js';

export const coreFeature = defineFeature({
  name: 'core',
  commands: [help, conveneStatus, convenePrivacySet, privacyShow, privacyDelete],
  buttons: [privacyDeleteConfirm],
  jobs: [retentionJob],
  onEvent(deps, event, fresh) {
    // Forget on leave (a guild setting, off by default): a member leaving is erased as by /privacy delete.
    if (!fresh || event.kind !== 'member.left') return;
    if (!getSettings(deps.db, event.guildId).core.forgetOnLeave) return;
    // After ingest's transaction commits (async onEvent work runs then): the erasure is its own
    // transaction, followed by a checkpoint that cannot run inside one.
    return Promise.resolve().then(() => {
      const { walTruncated } = eraseMember(deps.db, features, event.guildId, event.memberId, event.at);
      deps.log.info({ guildId: event.guildId, walTruncated }, 'forget on leave: erased a member who left');
    });
  },
});
