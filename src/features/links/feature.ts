/**
 * One community across Discord and Discourse: the pair (/convene forum connect|disconnect) and account
 * links between a Discord member and a forum user (/link discourse, confirm, remove). What a link
 * means to each feature (one journey, one expertise record, contact where the person is active) lives
 * in that feature, through ./identity.ts.
 */
import forumConnect, { forumConnectForm } from '../../../commands/conveneForumConnect.js';
import forumDisconnect from '../../../commands/conveneForumDisconnect.js';
import forumRotateSecret from '../../../commands/conveneForumRotateSecret.js';
import linkConfirm from '../../../commands/linkConfirm.js';
import linkDiscourse from '../../../commands/linkDiscourse.js';
import linkRemove from '../../../commands/linkRemove.js';
import { defineFeature } from '../feature.js';
import { eraseLinks, exportLinks } from './privacy.js';

export const linksFeature = defineFeature({
  name: 'links',
  commands: [linkDiscourse, linkConfirm, linkRemove, forumConnect, forumDisconnect, forumRotateSecret],
  buttons: [forumConnectForm],
  jobs: [],
  privacy: { export: exportLinks, erase: (tx, guildId, memberId) => eraseLinks(tx, guildId, memberId) },
});
