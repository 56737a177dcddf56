/**
 * One community across Discord and Discourse: the pair (/convene forum connect|disconnect) and account
 * links between a Discord member and a forum user (/link discourse, confirm, remove). What a link
 * means to each feature (one journey, one expertise record, contact where the person is active) lives
 * in that feature, through ./identity.ts.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import forumConnect, { forumConnectForm } from '../../../commands/conveneForumConnect.js';
import forumDisconnect from '../../../commands/conveneForumDisconnect.js';
import forumRotateSecret from '../../../commands/conveneForumRotateSecret.js';
import linkConfirm from '../../../commands/linkConfirm.js';
import linkDiscourse from '../../../commands/linkDiscourse.js';
import linkRemove from '../../../commands/linkRemove.js';
import { bumpCache } from '../../db/cacheGenerations.js';
import { accountLinks, communityPairs, forums, linkAttempts } from '../../db/schema.js';
import { defineFeature } from '../feature.js';

export const linksFeature = defineFeature({
  name: 'links',
  commands: [linkDiscourse, linkConfirm, linkRemove, forumConnect, forumDisconnect, forumRotateSecret],
  buttons: [forumConnectForm],
  jobs: [],
  // Until Feature.privacy is async (the lead's erasure transaction), a synchronous copy of
  // ./privacy.ts on SQLite: replaced by exportLinks/eraseLinks at that merge.
  privacy: {
    export(db, guildId, memberId) {
      const mine = and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId));
      const asForum = and(
        eq(accountLinks.otherGuildId, guildId),
        eq(accountLinks.otherMemberId, memberId),
        isNotNull(accountLinks.linkedAt),
      );
      const row =
        db.select().from(accountLinks).where(mine).get() ?? db.select().from(accountLinks).where(asForum).get();
      const connected = db
        .select()
        .from(forums)
        .where(and(eq(forums.guildId, guildId), eq(forums.connectedBy, memberId)))
        .get();
      return {
        ...(row
          ? {
              forum: row.otherGuildId,
              forumMemberId: row.otherMemberId,
              linkedAt: row.linkedAt,
              pending: row.linkedAt === null,
            }
          : {}),
        ...(connected ? { connectedForum: { forum: connected.forumGuildId, connectedAt: connected.connectedAt } } : {}),
      };
    },
    erase(db, guildId, memberId) {
      const row =
        db
          .select()
          .from(accountLinks)
          .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
          .get() ??
        db
          .select()
          .from(accountLinks)
          .where(
            and(
              eq(accountLinks.otherGuildId, guildId),
              eq(accountLinks.otherMemberId, memberId),
              isNotNull(accountLinks.linkedAt),
            ),
          )
          .get();
      if (row) {
        db.delete(accountLinks)
          .where(and(eq(accountLinks.guildId, row.guildId), eq(accountLinks.memberId, row.memberId)))
          .run();
        if (row.linkedAt !== null) {
          bumpCache(db, 'pairs', row.guildId);
          bumpCache(db, 'pairs', row.otherGuildId);
        }
      }
      db.update(linkAttempts)
        .set({ guildId: null, memberId: null })
        .where(and(eq(linkAttempts.guildId, guildId), eq(linkAttempts.memberId, memberId)))
        .run();
      db.delete(linkAttempts)
        .where(and(eq(linkAttempts.otherGuildId, guildId), eq(linkAttempts.otherMemberId, memberId)))
        .run();
      db.update(forums)
        .set({ connectedBy: '' })
        .where(and(eq(forums.guildId, guildId), eq(forums.connectedBy, memberId)))
        .run();
      db.update(communityPairs)
        .set({ pairedBy: '' })
        .where(and(eq(communityPairs.guildId, guildId), eq(communityPairs.pairedBy, memberId)))
        .run();
    },
  },
});
