/** The core: /help, /convene status, /privacy and the bot's own plumbing. */
import convenePrivacySet from '../../../commands/convenePrivacySet.js';
import conveneStatus from '../../../commands/conveneStatus.js';
import help from '../../../commands/help.js';
import privacyDelete, { privacyDeleteConfirm } from '../../../commands/privacyDelete.js';
import privacyShow from '../../../commands/privacyShow.js';
import { databaseOf } from '../../commands.js';
import { readSettings } from '../../guildSettings.js';
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
  // After ingest's transaction commits: the erasure is its own transaction, followed by a checkpoint
  // that cannot run inside one.
  async afterCommit(deps, event, fresh) {
    // Forget on leave (a guild setting, off by default): a member leaving is erased as by /privacy delete.
    if (!fresh || event.kind !== 'member.left') return;
    const database = databaseOf(deps);
    if (!(await readSettings(database, event.guildId)).core.forgetOnLeave) return;
    const { walTruncated } = await eraseMember(database, features, event.guildId, event.memberId, event.at);
    deps.log.info({ guildId: event.guildId, walTruncated }, 'forget on leave: erased a member who left');
  },
});
