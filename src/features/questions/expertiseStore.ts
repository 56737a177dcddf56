/** Rebuilding the expertise index from the database (it is only a cache of these tables). */
import { and, asc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { splitTerms } from '../../text/tokenize.js';
import { ExpertiseIndex } from './expertise.js';
import type { QuestionRow } from './store.js';

/** Who gets the solved credit: the accepted answer's author, else the first responder. */
export const solvedCredit = (q: Pick<QuestionRow, 'acceptedAnswererId' | 'firstResponderId' | 'solvedAt'>) =>
  q.solvedAt === null ? null : (q.acceptedAnswererId ?? q.firstResponderId);

/** Messages read per query while rebuilding: bounded memory whatever the guild's size. */
const PAGE_MS_START = 7 * 24 * 3_600_000;
const PAGE_ROWS = 20_000;

/**
 * Rebuild a guild's expertise index from messages, questions and responses: every post's activity,
 * every response (first or not), the terms of replies, solved credits. Reads messages a time window
 * at a time (through the messages_time index) so a guild with a million messages stays in bounded
 * memory.
 */
/**
 * The guild's expertise index, built from the tables. `merge`: the other platform of a paired
 * community, whose linked members' history is added under their id here (one person, one record).
 */
export async function loadExpertise(
  db: Database,
  guildId: string,
  merge?: { guildId: string; ids: ReadonlyMap<string, string> },
): Promise<ExpertiseIndex> {
  const index = new ExpertiseIndex();
  await replayInto(index, db, guildId, null);
  if (merge && merge.ids.size > 0) await replayInto(index, db, merge.guildId, merge.ids);
  return index;
}

/** Up to this many linked members are filtered in SQL (an IN list); more are filtered while reading. */
const MAX_SQL_AUTHORS = 500;

/**
 * Replay one guild's history into `index`. With `ids` (their id in that guild → their id in the
 * index), only those members' posts, answers and solutions are added, under the mapped ids.
 */
export async function replayInto(
  index: ExpertiseIndex,
  db: Database,
  guildId: string,
  ids: ReadonlyMap<string, string> | null,
): Promise<void> {
  const { members, messages, questionResponses, questions } = db.tables;
  const as = (id: string): string | undefined => (ids === null ? id : ids.get(id));
  // An asker who is not linked is still a distinct person (the "answered this asker" feature).
  const askerAs = (id: string): string => as(id) ?? `${guildId}/${id}`;
  const authorFilter =
    ids !== null && ids.size <= MAX_SQL_AUTHORS ? inArray(messages.authorId, [...ids.keys()]) : undefined;
  const bots = new Set(
    (
      await db
        .select({ id: members.memberId })
        .from(members)
        .where(and(eq(members.guildId, guildId), eq(members.bot, true)))
    ).map((r) => r.id),
  );
  const qs = new Map<string, { askerId: string; askedAt: number; terms: string[]; parent: string; row: QuestionRow }>();
  for (const row of (await db.select().from(questions).where(eq(questions.guildId, guildId))) as QuestionRow[]) {
    qs.set(row.questionId, {
      askerId: row.askerId,
      askedAt: row.askedAt,
      terms: splitTerms(row.terms),
      parent: row.parentChannelId,
      row,
    });
  }

  const [span] = await db
    .select({
      lo: sql<number | null>`min(${messages.createdAt})`.mapWith(Number),
      hi: sql<number | null>`max(${messages.createdAt})`.mapWith(Number),
    })
    .from(messages)
    .where(eq(messages.guildId, guildId));
  if (span?.lo !== null && span?.lo !== undefined && span.hi !== null) {
    let from = span.lo;
    let width = PAGE_MS_START;
    while (from <= span.hi) {
      const rows = await db
        .select({
          authorId: messages.authorId,
          createdAt: messages.createdAt,
          channelId: messages.channelId,
          parentChannelId: messages.parentChannelId,
          replyToId: messages.replyToId,
          terms: messages.terms,
        })
        .from(messages)
        .where(
          and(
            eq(messages.guildId, guildId),
            gte(messages.createdAt, from),
            lt(messages.createdAt, from + width),
            isNull(messages.deletedAt),
            authorFilter,
          ),
        )
        .orderBy(asc(messages.createdAt));
      for (const m of rows) {
        const author = as(m.authorId);
        if (author === undefined || bots.has(m.authorId)) continue;
        index.noteActivity(author, m.createdAt);
        const q = qs.get(m.channelId) ?? (m.replyToId ? qs.get(m.replyToId) : undefined);
        if (q && q.askerId !== m.authorId) index.noteReplyTerms(author, splitTerms(m.terms), m.createdAt);
      }
      from += width;
      // Keep pages near PAGE_ROWS: widen quiet stretches, narrow busy ones.
      if (rows.length < PAGE_ROWS / 4) width *= 2;
      else if (rows.length > PAGE_ROWS) width = Math.max(60_000, Math.floor(width / 2));
    }
  }

  const responses = await db
    .select()
    .from(questionResponses)
    .where(eq(questionResponses.guildId, guildId))
    .orderBy(asc(questionResponses.firstAt));
  for (const r of responses) {
    const q = qs.get(r.questionId);
    const member = as(r.memberId);
    if (!q || member === undefined || bots.has(r.memberId)) continue;
    index.noteResponse({
      memberId: member,
      askerId: askerAs(q.askerId),
      terms: q.terms,
      at: r.firstAt,
      askedAt: q.askedAt,
      first: q.row.firstResponderId === r.memberId,
      channelId: q.parent,
    });
  }
  for (const q of qs.values()) {
    const credit = solvedCredit(q.row);
    const member = credit ? as(credit) : undefined;
    if (credit && member !== undefined && credit !== q.askerId) index.noteSolved(member, q.terms, q.askedAt);
  }
}
