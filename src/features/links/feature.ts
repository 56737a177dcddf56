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
import { legacyDb } from '../../db/database.js';
import { defineFeature } from '../feature.js';
import { forgetConnector, forumConnectedBy } from './forumStore.js';
import { forgetPairer } from './identity.js';
import { deleteLink, eraseLinkAttempts, linkedToForumUser, linkOf } from './store.js';

export const linksFeature = defineFeature({
  name: 'links',
  commands: [linkDiscourse, linkConfirm, linkRemove, forumConnect, forumDisconnect, forumRotateSecret],
  buttons: [forumConnectForm],
  jobs: [],
  privacy: {
    // Not ported yet: the synchronous store on the erasure's SQLite transaction.
    async export(database, guildId, memberId) {
      const db = legacyDb(database);
      const row = linkOf(db, guildId, memberId) ?? linkedToForumUser(db, guildId, memberId);
      const connected = forumConnectedBy(db, guildId, memberId);
      return {
        ...(row
          ? {
              forum: row.otherGuildId,
              forumMemberId: row.otherMemberId,
              linkedAt: row.linkedAt,
              pending: row.linkedAt === null,
            }
          : {}),
        // The forum stays when they erase their data; only this record of who connected it goes.
        ...(connected ? { connectedForum: { forum: connected.forumGuildId, connectedAt: connected.connectedAt } } : {}),
      };
    },
    async erase(tx, guildId, memberId) {
      const db = legacyDb(tx);
      // From either side: erasing the forum account also ends its link.
      const row = linkOf(db, guildId, memberId) ?? linkedToForumUser(db, guildId, memberId);
      if (row) deleteLink(db, row.guildId, row.memberId);
      eraseLinkAttempts(db, guildId, memberId);
      // A forum belongs to the community: it keeps working, only the moderator who connected it goes.
      forgetConnector(db, guildId, memberId);
      forgetPairer(db, guildId, memberId);
    },
  },
});
