/** The reads /solved needs: the conversation of one question (store). */
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { MemberId } from '../../events.js';
import { solvedBy } from './metricsStore.js';
import type { ReplyFact } from './pick.js';

/** At most the last this many messages are read: the reply that solved it is among them. */
const CONVERSATION_MAX = 500;

/**
 * Every live message of the question's conversation, oldest first: its thread (a forum post, a
 * thread opened on the question) and replies to the question message in its channel.
 */
export async function conversationOf(
  db: Database,
  guildId: string,
  q: { questionId: string; channelId: string },
): Promise<ReplyFact[]> {
  const { members, messages } = db.tables;
  const inThread = q.channelId === q.questionId ? eq(messages.channelId, q.channelId) : undefined;
  const where = or(
    ...(inThread ? [inThread] : []),
    eq(messages.channelId, q.questionId),
    eq(messages.replyToId, q.questionId),
  );
  const rows = await db
    .select({
      messageId: messages.messageId,
      channelId: messages.channelId,
      authorId: messages.authorId,
      authorName: members.displayName,
      username: members.username,
      bot: members.bot,
      leftAt: members.leftAt,
      createdAt: messages.createdAt,
      replyToId: messages.replyToId,
      content: messages.content,
    })
    .from(messages)
    .leftJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
    .where(and(eq(messages.guildId, guildId), isNull(messages.deletedAt), where))
    .orderBy(desc(messages.createdAt), desc(messages.messageId))
    .limit(CONVERSATION_MAX);
  return rows.reverse().map((r) => ({
    messageId: r.messageId,
    channelId: r.channelId,
    authorId: r.authorId,
    authorName: r.authorName ?? r.authorId,
    username: r.username ?? r.authorId,
    bot: r.bot ?? false,
    left: r.leftAt !== null && r.leftAt !== undefined,
    createdAt: r.createdAt,
    replyToId: r.replyToId,
    content: r.content,
  }));
}

/**
 * The members whose answers solved questions in [from, to) (picked with /solved or accepted), most
 * first, named: the digest thanks them before those who were merely first to reply.
 */
export async function solvedHelpers(
  db: Database,
  guildId: string,
  from: number,
  to: number,
): Promise<{ memberId: MemberId; name: string; solved: number; thanked: number }[]> {
  const { members } = db.tables;
  const counts = await solvedBy(db, guildId, from, to);
  if (counts.size === 0) return [];
  const names = new Map(
    (
      await db
        .select({ id: members.memberId, name: members.displayName, bot: members.bot })
        .from(members)
        .where(and(eq(members.guildId, guildId), inArray(members.memberId, [...counts.keys()])))
    )
      .filter((r) => !r.bot)
      .map((r) => [r.id, r.name]),
  );
  return [...counts]
    .flatMap(([id, solved]) => {
      const name = names.get(id);
      return name ? [{ memberId: id as MemberId, name, solved, thanked: 0 }] : [];
    })
    .sort((a, b) => b.solved - a.solved || a.name.localeCompare(b.name));
}
