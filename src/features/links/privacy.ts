/**
 * What the links feature keeps about a member (their account link, the forum they connected) and its
 * part of an erasure, on either engine. The erasure runs inside the erasure's one transaction.
 */
import type { Database } from '../../db/database.js';
import { forgetConnector, forumConnectedBy } from './forumStore.js';
import { forgetPairer } from './identity.js';
import { deleteLink, eraseLinkAttempts, linkedToForumUser, linkOf } from './store.js';

export async function exportLinks(db: Database, guildId: string, memberId: string): Promise<Record<string, unknown>> {
  const row = (await linkOf(db, guildId, memberId)) ?? (await linkedToForumUser(db, guildId, memberId));
  const connected = await forumConnectedBy(db, guildId, memberId);
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
}

export async function eraseLinks(tx: Database, guildId: string, memberId: string): Promise<void> {
  // From either side: erasing the forum account also ends its link.
  const row = (await linkOf(tx, guildId, memberId)) ?? (await linkedToForumUser(tx, guildId, memberId));
  if (row) await deleteLink(tx, row.guildId, row.memberId);
  await eraseLinkAttempts(tx, guildId, memberId);
  // A forum belongs to the community: it keeps working, only the moderator who connected it goes.
  await forgetConnector(tx, guildId, memberId);
  await forgetPairer(tx, guildId, memberId);
}
