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
import { deleteLink, eraseLinkAttempts, linkedToForumUser, linkOf } from './store.js';

export const linksFeature = defineFeature({
  name: 'links',
  commands: [linkDiscourse, linkConfirm, linkRemove, forumConnect, forumDisconnect, forumRotateSecret],
  buttons: [forumConnectForm],
  jobs: [],
  privacy: {
    export(db, guildId, memberId) {
      const row = linkOf(db, guildId, memberId) ?? linkedToForumUser(db, guildId, memberId);
      return row
        ? {
            forum: row.otherGuildId,
            forumMemberId: row.otherMemberId,
            linkedAt: row.linkedAt,
            pending: row.linkedAt === null,
          }
        : {};
    },
    erase(db, guildId, memberId) {
      // From either side: erasing the forum account also ends its link.
      const row = linkOf(db, guildId, memberId) ?? linkedToForumUser(db, guildId, memberId);
      if (row) deleteLink(db, row.guildId, row.memberId);
      eraseLinkAttempts(db, guildId, memberId);
    },
  },
});
