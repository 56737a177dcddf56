/**
 * Members own their data: everything Convene keeps about a member, and erasing it. Each feature
 * adds its own part through Feature.privacy; this file holds the core tables' part and joins them.
 */
import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { members, messages, reactions } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { erasedChanged } from '../../ingest/erased.js';
import type { Feature } from '../feature.js';
import { forgetVocabularies } from './vocabulary.js';

/** A member's export stays a reasonable attachment: the newest message records, and the count. */
const EXPORT_MESSAGES = 5_000;

export function exportMember(db: Db, features: readonly Feature[], guildId: GuildId, memberId: MemberId) {
  const member = db
    .select()
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .get();
  const mine = and(eq(messages.guildId, guildId), eq(messages.authorId, memberId));
  const messageCount = db.select({ n: count() }).from(messages).where(mine).get()?.n ?? 0;
  const messageRecords = db
    .select({
      messageId: messages.messageId,
      channelId: messages.channelId,
      createdAt: messages.createdAt,
      replyToId: messages.replyToId,
      terms: messages.terms,
      content: messages.content,
    })
    .from(messages)
    .where(mine)
    .orderBy(desc(messages.createdAt))
    .limit(EXPORT_MESSAGES)
    .all();
  const reactionRecords = db
    .select({ messageId: reactions.messageId, emoji: reactions.emoji, createdAt: reactions.createdAt })
    .from(reactions)
    .where(and(eq(reactions.guildId, guildId), eq(reactions.memberId, memberId)))
    .all();
  const byFeature: Record<string, unknown> = {};
  for (const feature of features) {
    if (feature.privacy) byFeature[feature.name] = feature.privacy.export(db, guildId, memberId);
  }
  return {
    about:
      'Everything Convene keeps about you in this community. Message text is not kept unless the server turned that on; "terms" are the keywords derived from a message.',
    guildId,
    memberId,
    member: member ?? null,
    messages: {
      total: messageCount,
      shown: messageRecords.length,
      records: messageRecords,
    },
    reactions: reactionRecords,
    features: byFeature,
  };
}

/**
 * Erase a member's derived data, profile and opt-ins everywhere, keeping an opt-out marker
 * (profilingOff, nudgesOff) so Convene does not build a new profile from later messages.
 * Message ids and times stay: they are part of other members' threads (who answered whom).
 */
export function eraseMember(db: Db, features: readonly Feature[], guildId: GuildId, memberId: MemberId, now: number) {
  db.transaction((tx) => {
    tx.update(messages)
      .set({ terms: '', content: null, mentionIds: [] })
      .where(and(eq(messages.guildId, guildId), eq(messages.authorId, memberId)))
      .run();
    tx.delete(reactions)
      .where(and(eq(reactions.guildId, guildId), eq(reactions.memberId, memberId)))
      .run();
    tx.update(members)
      .set({ timezone: null, profilingOff: true, nudgesOff: true, updatedAt: now })
      .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
      .run();
    for (const feature of features) feature.privacy?.erase(tx as unknown as Db, guildId, memberId);
  });
  erasedChanged();
  forgetVocabularies();
}
