/**
 * Questions reads and writes: the questions, their responses and nudges; the few facts about
 * channels, messages and members the feature needs; and rebuilding the expertise index from the
 * database (it is only a cache of these tables).
 */
import { and, asc, eq, gt, gte, inArray, isNotNull, isNull, like, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { channels, guilds, members, messages, questionNudges, questionResponses, questions } from '../../db/schema.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { splitTerms } from '../../text/tokenize.js';
import { ExpertiseIndex } from './expertise.js';

export type QuestionRow = typeof questions.$inferSelect;
export type SolvedVia = 'reaction' | 'command' | 'tag' | 'accepted';

/** Any drizzle handle: the database or a transaction. */
type Tx = Pick<Db, 'select' | 'insert' | 'update' | 'delete'>;

const p = sql.placeholder;

/** The statements of the hot paths (every message; every decision of a scan), prepared once per database. */
/** "Has anyone but the asker (and not a bot) posted where `target` is the question?" — in its thread, or as a reply. */
function replyByOther(db: Db, target: typeof messages.channelId | typeof messages.replyToId) {
  return db
    .select({ one: sql<number>`1` })
    .from(messages)
    .leftJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(target, p('questionId')),
        ne(messages.authorId, p('askerId')),
        isNull(messages.deletedAt),
        sql`NOT coalesce(${members.bot}, FALSE)`,
      ),
    )
    .limit(1)
    .prepare();
}

/** Move an open, unanswered question to `stage` (1 nudged, 2 escalated) once, stamping `at` on `stamp`. */
function advanceTo(db: Db, stage: 1 | 2, stamp: 'nudgedAt' | 'escalatedAt') {
  return db
    .update(questions)
    .set({ nudgeStage: stage, [stamp]: sql`${p('at')}`, updatedAt: sql`${p('at')}` })
    .where(
      and(
        eq(questions.guildId, p('guildId')),
        eq(questions.questionId, p('questionId')),
        lt(questions.nudgeStage, stage),
        eq(questions.answered, false),
        isNull(questions.solvedAt),
      ),
    )
    .prepare();
}

function prepare(db: Db) {
  return {
    question: db
      .select()
      .from(questions)
      .where(and(eq(questions.guildId, p('guildId')), eq(questions.questionId, p('questionId'))))
      .prepare(),
    channel: db
      .select({
        channelId: channels.channelId,
        name: channels.name,
        kind: channels.kind,
        parentId: channels.parentId,
        ownerId: channels.ownerId,
        tags: channels.tags,
        createdAt: channels.createdAt,
      })
      .from(channels)
      .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))))
      .prepare(),
    hasReplyInThread: replyByOther(db, messages.channelId),
    hasReplyTo: replyByOther(db, messages.replyToId),
    nudged: advanceTo(db, 1, 'nudgedAt'),
    escalated: advanceTo(db, 2, 'escalatedAt'),
    insertNudge: db
      .insert(questionNudges)
      .values({
        guildId: p('guildId'),
        questionId: p('questionId'),
        stage: p('stage'),
        targetId: p('targetId'),
        targetKind: p('targetKind'),
        at: p('at'),
        reasons: p('reasons'),
      })
      .onConflictDoNothing()
      .prepare(),
    answeredAbout: db
      .select({ n: sql<number>`count(*)`, last: sql<number | null>`max(${questionResponses.firstAt})` })
      .from(questionResponses)
      .innerJoin(
        questions,
        and(eq(questions.guildId, questionResponses.guildId), eq(questions.questionId, questionResponses.questionId)),
      )
      .where(
        and(
          eq(questionResponses.guildId, p('guildId')),
          eq(questionResponses.memberId, p('memberId')),
          sql`(' ' || ${questions.terms} || ' ') LIKE ${p('pattern')}`,
        ),
      )
      .prepare(),
    member: db
      .select({ profilingOff: members.profilingOff })
      .from(members)
      .where(and(eq(members.guildId, p('guildId')), eq(members.memberId, p('memberId'))))
      .prepare(),
    message: db
      .select({ channelId: messages.channelId, authorId: messages.authorId, replyToId: messages.replyToId })
      .from(messages)
      .where(and(eq(messages.guildId, p('guildId')), eq(messages.messageId, p('messageId'))))
      .prepare(),
    settingsText: db
      .select({ text: sql<string>`${guilds.settings}` })
      .from(guilds)
      .where(eq(guilds.id, p('guildId')))
      .prepare(),
    earlierInThread: db
      .select({ one: sql<number>`1` })
      .from(messages)
      .where(
        and(
          eq(messages.guildId, p('guildId')),
          eq(messages.channelId, p('threadId')),
          ne(messages.messageId, p('messageId')),
          lte(messages.createdAt, p('at')),
        ),
      )
      .limit(1)
      .prepare(),
  };
}

type Statements = ReturnType<typeof prepare>;
const prepared = new WeakMap<Db, Statements>();
function stmts(db: Db): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = prepare(db);
    prepared.set(db, s);
  }
  return s;
}

export function getQuestion(db: Db, guildId: string, questionId: string): QuestionRow | undefined {
  return stmts(db).question.get({ guildId, questionId });
}

export interface NewQuestion {
  guildId: string;
  questionId: string;
  channelId: string;
  parentChannelId: string;
  askerId: string;
  askedAt: number;
  /** See the column: a thread's name or a message's first line; null keeps nothing (profiling off). */
  title: string | null;
  terms: readonly string[];
  hasBody: boolean;
  mentionIds: readonly string[];
}

/** Insert a question; false when it exists already (a replay). */
export function insertQuestion(db: Tx, q: NewQuestion, now: number): boolean {
  const result = db
    .insert(questions)
    .values({
      guildId: q.guildId,
      questionId: q.questionId,
      channelId: q.channelId,
      parentChannelId: q.parentChannelId,
      askerId: q.askerId,
      askedAt: q.askedAt,
      title: q.title,
      terms: q.terms.join(' '),
      hasBody: q.hasBody,
      mentionIds: [...q.mentionIds],
      updatedAt: now,
    })
    .onConflictDoNothing()
    .run();
  return result.changes > 0;
}

/** The opening post arrived after the thread: its terms and mentions join the title's. */
export function setQuestionBody(
  db: Tx,
  guildId: string,
  questionId: string,
  terms: readonly string[],
  mentionIds: readonly string[],
  now: number,
): void {
  db.update(questions)
    .set({ terms: terms.join(' '), mentionIds: [...mentionIds], hasBody: true, updatedAt: now })
    .where(and(eq(questions.guildId, guildId), eq(questions.questionId, questionId)))
    .run();
}

/**
 * A reply by someone other than the asker. Returns whether this member responded for the first time
 * and whether theirs is now the first response (an earlier reply delivered late takes the place).
 * `anonymous` (a member who erased their data): the question is answered, but not by anyone named.
 */
export function recordResponse(
  db: Tx,
  r: { guildId: string; questionId: string; memberId: string; messageId: string; at: number },
  now: number,
  anonymous = false,
): { added: boolean; first: boolean } {
  const added =
    anonymous ||
    db
      .insert(questionResponses)
      .values({
        guildId: r.guildId,
        questionId: r.questionId,
        memberId: r.memberId,
        messageId: r.messageId,
        firstAt: r.at,
      })
      .onConflictDoNothing()
      .run().changes > 0;
  if (!added) return { added, first: false };
  if (!anonymous) noteNudgeAnswered(db, r);
  const first =
    db
      .update(questions)
      .set({ firstResponseAt: r.at, firstResponderId: anonymous ? null : r.memberId, answered: true, updatedAt: now })
      .where(
        and(
          eq(questions.guildId, r.guildId),
          eq(questions.questionId, r.questionId),
          or(isNull(questions.firstResponseAt), lt(sql`${r.at}`, questions.firstResponseAt)),
        ),
      )
      .run().changes > 0;
  return { added, first };
}

/** A nudged peer answers within this long after the nudge, or the nudge went unanswered. */
export const NUDGE_ANSWER_WINDOW_MS = 24 * 3_600_000;

/** Feedback: the member was nudged about this question and has now replied, within 24 h of the nudge. */
function noteNudgeAnswered(db: Tx, r: { guildId: string; questionId: string; memberId: string; at: number }): void {
  db.update(questionNudges)
    .set({ answeredAt: r.at })
    .where(
      and(
        eq(questionNudges.guildId, r.guildId),
        eq(questionNudges.questionId, r.questionId),
        eq(questionNudges.stage, 'peer'),
        eq(questionNudges.targetId, r.memberId),
        isNull(questionNudges.answeredAt),
        lte(questionNudges.at, r.at),
        gt(questionNudges.at, r.at - NUDGE_ANSWER_WINDOW_MS),
      ),
    )
    .run();
}

/**
 * Peer nudges sent in [from, to) whose 24 h have passed by `now` or that were answered, and how many
 * of them the nudged member answered within 24 h.
 */
export function nudgeOutcomes(db: Tx, guildId: string, from: number, to: number, now: number) {
  const row = db
    .select({
      settled: sql<number>`count(*)`,
      answered: sql<number>`coalesce(sum(case when ${questionNudges.answeredAt} is not null then 1 else 0 end), 0)`,
    })
    .from(questionNudges)
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        eq(questionNudges.stage, 'peer'),
        eq(questionNudges.targetKind, 'member'),
        gte(questionNudges.at, from),
        lt(questionNudges.at, to),
        or(isNotNull(questionNudges.answeredAt), lte(questionNudges.at, now - NUDGE_ANSWER_WINDOW_MS)),
      ),
    )
    .get();
  return { settled: row?.settled ?? 0, answered: row?.answered ?? 0 };
}

export function markSolved(
  db: Tx,
  guildId: string,
  questionId: string,
  s: {
    at: number;
    via: SolvedVia;
    byId: string | null;
    acceptedMessageId: string | null;
    acceptedAnswererId: string | null;
  },
): boolean {
  return (
    db
      .update(questions)
      .set({
        solvedAt: s.at,
        solvedVia: s.via,
        solvedById: s.byId,
        acceptedMessageId: s.acceptedMessageId,
        acceptedAnswererId: s.acceptedAnswererId,
        updatedAt: s.at,
      })
      .where(and(eq(questions.guildId, guildId), eq(questions.questionId, questionId), isNull(questions.solvedAt)))
      .run().changes > 0
  );
}

/** Undo a solve made the same way (the ✅ removed, the tag taken off, the answer unaccepted). */
export function markUnsolved(db: Tx, guildId: string, questionId: string, via: SolvedVia, now: number): boolean {
  return (
    db
      .update(questions)
      .set({
        solvedAt: null,
        solvedVia: null,
        solvedById: null,
        acceptedMessageId: null,
        acceptedAnswererId: null,
        updatedAt: now,
      })
      .where(and(eq(questions.guildId, guildId), eq(questions.questionId, questionId), eq(questions.solvedVia, via)))
      .run().changes > 0
  );
}

/** Open questions asked in [from, to]: unanswered, unsolved, not yet escalated. */
export function openQuestions(db: Tx, guildId: string, from: number, to: number): QuestionRow[] {
  return db
    .select()
    .from(questions)
    .where(
      and(
        eq(questions.guildId, guildId),
        eq(questions.answered, false),
        gte(questions.askedAt, from),
        lte(questions.askedAt, to),
        isNull(questions.solvedAt),
        lt(questions.nudgeStage, 2),
      ),
    )
    .orderBy(asc(questions.askedAt))
    .all();
}

/** Open questions (unanswered, unsolved) asked since `from`, newest first: the help-wanted list (all of them without `limit`). */
export function waitingQuestions(db: Tx, guildId: string, from: number, limit?: number): QuestionRow[] {
  const query = db
    .select()
    .from(questions)
    .where(
      and(
        eq(questions.guildId, guildId),
        eq(questions.answered, false),
        gte(questions.askedAt, from),
        isNull(questions.solvedAt),
      ),
    )
    .orderBy(sql`${questions.askedAt} DESC`)
    .$dynamic();
  return (limit === undefined ? query : query.limit(limit)).all();
}

/**
 * Whether anyone but the asker (and not a bot) has replied, straight from the messages: the truth
 * even when the questions row has not caught up yet (a backfill still being applied).
 */
export function hasReply(db: Db, guildId: string, questionId: string, askerId: string): boolean {
  const st = stmts(db);
  const args = { guildId, questionId, askerId };
  return st.hasReplyInThread.get(args) !== undefined || st.hasReplyTo.get(args) !== undefined;
}

/** Move a question to `stage` (1 nudged, 2 escalated) only if it is still open and below it. */
export function advanceStage(db: Db, guildId: string, questionId: string, stage: 1 | 2, at: number): boolean {
  const st = stmts(db);
  return (stage === 1 ? st.nudged : st.escalated).run({ guildId, questionId, at }).changes > 0;
}

export interface NudgeRow {
  guildId: string;
  questionId: string;
  stage: 'peer' | 'escalation';
  targetId: string;
  targetKind: 'member' | 'role';
  at: number;
  reasons?: unknown;
}

export function recordNudges(db: Db, rows: readonly NudgeRow[]): void {
  const st = stmts(db);
  for (const r of rows) st.insertNudge.run({ ...r, reasons: JSON.stringify(r.reasons ?? null) });
}

/** Peer nudges sent since `since` (member targets): for the daily cap and the load share. */
export function peerNudgesSince(db: Tx, guildId: string, since: number): { targetId: string; at: number }[] {
  return db
    .select({ targetId: questionNudges.targetId, at: questionNudges.at })
    .from(questionNudges)
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        gte(questionNudges.at, since),
        eq(questionNudges.stage, 'peer'),
        eq(questionNudges.targetKind, 'member'),
      ),
    )
    .all();
}

// ---------------------------------------------------------------------------------------------
// Channels, messages, members

export interface ChannelFacts {
  channelId: string;
  name: string;
  kind: string;
  parentId: string | null;
  ownerId: string | null;
  tags: string[];
  createdAt: number;
}

export function channelFacts(db: Db, guildId: string, channelId: string): ChannelFacts | undefined {
  return stmts(db).channel.get({ guildId, channelId });
}

/** Names of channels (threads: their title) by id, for lists and links. */
export function channelNames(db: Tx, guildId: string, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of db
      .select({ id: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, chunk)))
      .all())
      out.set(r.id, r.name);
  }
  return out;
}

/** Channels by name or id (for "/convene questions set channels:#help, #support"). */
export function textAndForumChannels(db: Tx, guildId: string): { channelId: string; name: string; kind: string }[] {
  return db
    .select({ channelId: channels.channelId, name: channels.name, kind: channels.kind })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), inArray(channels.kind, ['text', 'forum', 'announcement'])))
    .all();
}

/** Whether the thread holds a message other than `messageId` posted before `at` (so `messageId` does not open it). */
export function threadHasEarlierMessage(
  db: Db,
  guildId: string,
  threadId: string,
  messageId: string,
  at: number,
): boolean {
  return stmts(db).earlierInThread.get({ guildId, threadId, messageId, at }) !== undefined;
}

export function messageFacts(
  db: Db,
  guildId: string,
  messageId: string,
): { channelId: string; authorId: string; replyToId: string | null } | undefined {
  return stmts(db).message.get({ guildId, messageId });
}

export interface MemberFacts {
  memberId: string;
  nudgesOff: boolean;
  bot: boolean;
  left: boolean;
  moderator: boolean;
  /** Erased their data: nothing new is derived about them. */
  profilingOff: boolean;
  timezone: string | null;
}

export function memberFacts(db: Tx, guildId: string, ids: readonly string[]): Map<string, MemberFacts> {
  const out = new Map<string, MemberFacts>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    for (const r of db
      .select({
        memberId: members.memberId,
        nudgesOff: members.nudgesOff,
        bot: members.bot,
        leftAt: members.leftAt,
        moderator: members.moderator,
        profilingOff: members.profilingOff,
        timezone: members.timezone,
      })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, chunk)))
      .all()) {
      out.set(r.memberId, {
        memberId: r.memberId,
        nudgesOff: r.nudgesOff,
        bot: r.bot,
        left: r.leftAt !== null,
        moderator: r.moderator,
        profilingOff: r.profilingOff,
        timezone: r.timezone,
      });
    }
  }
  return out;
}

/**
 * Moderators still in the guild, not bots (the escalation's audience when no helpers role is set):
 * members with Manage Server, and members holding one of the guild's moderator roles.
 */
export function moderatorIds(db: Tx, guildId: string, limit: number, roleIds: readonly string[] = []): string[] {
  // Roles are a JSON array of ids: a quoted id is one whole element.
  const byRole = roleIds.map((id) => like(members.roles, `%${JSON.stringify(id)}%`));
  return db
    .select({ memberId: members.memberId })
    .from(members)
    .where(
      and(
        eq(members.guildId, guildId),
        or(eq(members.moderator, true), ...byRole),
        eq(members.bot, false),
        isNull(members.leftAt),
      ),
    )
    .orderBy(asc(members.memberId))
    .limit(limit)
    .all()
    .map((r) => r.memberId);
}

/** Turn a member's nudges off or on (shared with the journey's newcomer nudge); returns the previous value. */
export function setNudgesOff(
  db: Db,
  guildId: GuildId,
  member: { id: MemberId; displayName: string },
  off: boolean,
  now: number,
): boolean {
  return db.transaction((tx) => {
    const before = tx
      .select({ off: members.nudgesOff })
      .from(members)
      .where(and(eq(members.guildId, guildId), eq(members.memberId, member.id)))
      .get();
    if (!before) {
      // Someone we have not seen post or join yet: remember the choice all the same.
      tx.insert(members)
        .values({
          guildId,
          memberId: member.id,
          username: member.displayName,
          displayName: member.displayName,
          nudgesOff: off,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .run();
      return false;
    }
    tx.update(members)
      .set({ nudgesOff: off, updatedAt: now })
      .where(and(eq(members.guildId, guildId), eq(members.memberId, member.id)))
      .run();
    return before.off;
  });
}

/** The guild's settings document as stored (JSON text), to tell whether a parsed copy is still current. */
export function settingsText(db: Db, guildId: string): string | undefined {
  return stmts(db).settingsText.get({ guildId })?.text;
}

/** The guild's name as the platform last told it ('' when unknown). */
export function guildNameOf(db: Tx, guildId: string): string {
  return db.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, guildId)).get()?.name ?? '';
}

export function guildPlatform(db: Tx, guildId: string): Platform {
  return (db.select({ platform: guilds.platform }).from(guilds).where(eq(guilds.id, guildId)).get()?.platform ??
    'discord') as Platform;
}

/** How many questions about `term` the member answered (for "you answered 3 questions about X"). */
/** How many questions about `term` (a stem) the member answered, and when they last did. */
export function answeredAbout(
  db: Db,
  guildId: string,
  memberId: string,
  term: string,
): { count: number; lastAt: number | null } {
  const row = stmts(db).answeredAbout.get({ guildId, memberId, pattern: `% ${term} %` });
  return { count: Number(row?.n ?? 0), lastAt: row?.last ?? null };
}

/** How many questions in a channel (a forum, a help channel) the member answered, and when the last one was. */
export function answeredIn(
  db: Tx,
  guildId: string,
  memberId: string,
  parentChannelId: string,
): { count: number; lastAt: number | null } {
  const row = db
    .select({ n: sql<number>`count(*)`, last: sql<number | null>`max(${questionResponses.firstAt})` })
    .from(questionResponses)
    .innerJoin(
      questions,
      and(eq(questions.guildId, questionResponses.guildId), eq(questions.questionId, questionResponses.questionId)),
    )
    .where(
      and(
        eq(questionResponses.guildId, guildId),
        eq(questionResponses.memberId, memberId),
        eq(questions.parentChannelId, parentChannelId),
      ),
    )
    .get();
  return { count: Number(row?.n ?? 0), lastAt: row?.last ?? null };
}

/** Whether the member erased their data (nothing new is derived about them). */
export function isProfilingOff(db: Db, guildId: string, memberId: string): boolean {
  return stmts(db).member.get({ guildId, memberId })?.profilingOff ?? false;
}

// ---------------------------------------------------------------------------------------------
// Metrics

export function questionsAskedBetween(
  db: Tx,
  guildId: string,
  from: number,
  to: number,
): Pick<QuestionRow, 'questionId' | 'askedAt' | 'firstResponseAt' | 'firstResponderId' | 'solvedAt' | 'channelId'>[] {
  return db
    .select({
      questionId: questions.questionId,
      askedAt: questions.askedAt,
      firstResponseAt: questions.firstResponseAt,
      firstResponderId: questions.firstResponderId,
      solvedAt: questions.solvedAt,
      channelId: questions.channelId,
    })
    .from(questions)
    .where(and(eq(questions.guildId, guildId), gte(questions.askedAt, from), lt(questions.askedAt, to)))
    .all();
}

/** Peer nudges sent in [from, to) with what happened to their question afterwards. */
export function nudgesBetween(
  db: Tx,
  guildId: string,
  from: number,
  to: number,
): {
  questionId: string;
  targetId: string;
  at: number;
  firstResponseAt: number | null;
  firstResponderId: string | null;
}[] {
  return db
    .select({
      questionId: questionNudges.questionId,
      targetId: questionNudges.targetId,
      at: questionNudges.at,
      firstResponseAt: questions.firstResponseAt,
      firstResponderId: questions.firstResponderId,
    })
    .from(questionNudges)
    .innerJoin(
      questions,
      and(eq(questions.guildId, questionNudges.guildId), eq(questions.questionId, questionNudges.questionId)),
    )
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        eq(questionNudges.stage, 'peer'),
        gte(questionNudges.at, from),
        lt(questionNudges.at, to),
      ),
    )
    .all();
}

/** Solved questions in [from, to) by accepted answerer (the digest's top helpers). */
export function solvedBy(db: Tx, guildId: string, from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of db
    .select({ answerer: questions.acceptedAnswererId, n: sql<number>`count(*)` })
    .from(questions)
    .where(
      and(
        eq(questions.guildId, guildId),
        gte(questions.solvedAt, from),
        lt(questions.solvedAt, to),
        sql`${questions.acceptedAnswererId} IS NOT NULL`,
      ),
    )
    .groupBy(questions.acceptedAnswererId)
    .all())
    if (r.answerer) out.set(r.answerer, Number(r.n));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The expertise index, rebuilt from the tables

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
export function loadExpertise(
  db: Db,
  guildId: string,
  merge?: { guildId: string; ids: ReadonlyMap<string, string> },
): ExpertiseIndex {
  const index = new ExpertiseIndex();
  replayInto(index, db, guildId, null);
  if (merge && merge.ids.size > 0) replayInto(index, db, merge.guildId, merge.ids);
  return index;
}

/** Up to this many linked members are filtered in SQL (an IN list); more are filtered while reading. */
const MAX_SQL_AUTHORS = 500;

/**
 * Replay one guild's history into `index`. With `ids` (their id in that guild → their id in the
 * index), only those members' posts, answers and solutions are added, under the mapped ids.
 */
export function replayInto(
  index: ExpertiseIndex,
  db: Db,
  guildId: string,
  ids: ReadonlyMap<string, string> | null,
): void {
  const as = (id: string): string | undefined => (ids === null ? id : ids.get(id));
  // An asker who is not linked is still a distinct person (the "answered this asker" feature).
  const askerAs = (id: string): string => as(id) ?? `${guildId}/${id}`;
  const authorFilter =
    ids !== null && ids.size <= MAX_SQL_AUTHORS ? inArray(messages.authorId, [...ids.keys()]) : undefined;
  const bots = new Set(
    db
      .select({ id: members.memberId })
      .from(members)
      .where(and(eq(members.guildId, guildId), eq(members.bot, true)))
      .all()
      .map((r) => r.id),
  );
  const qs = new Map<string, { askerId: string; askedAt: number; terms: string[]; parent: string; row: QuestionRow }>();
  for (const row of db.select().from(questions).where(eq(questions.guildId, guildId)).all()) {
    qs.set(row.questionId, {
      askerId: row.askerId,
      askedAt: row.askedAt,
      terms: splitTerms(row.terms),
      parent: row.parentChannelId,
      row,
    });
  }

  const span = db
    .select({ lo: sql<number | null>`min(${messages.createdAt})`, hi: sql<number | null>`max(${messages.createdAt})` })
    .from(messages)
    .where(eq(messages.guildId, guildId))
    .get();
  if (span?.lo !== null && span?.lo !== undefined && span.hi !== null) {
    let from = span.lo;
    let width = PAGE_MS_START;
    while (from <= span.hi) {
      const rows = db
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
        .orderBy(asc(messages.createdAt))
        .all();
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

  const responses = db
    .select()
    .from(questionResponses)
    .where(eq(questionResponses.guildId, guildId))
    .orderBy(asc(questionResponses.firstAt))
    .all();
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

// ---------------------------------------------------------------------------------------------
// Privacy

export function exportQuestions(db: Db, guildId: GuildId, memberId: MemberId): Record<string, unknown> {
  const asked = db
    .select({
      questionId: questions.questionId,
      askedAt: questions.askedAt,
      title: questions.title,
      terms: questions.terms,
    })
    .from(questions)
    .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
    .all();
  const answered = db
    .select({ questionId: questionResponses.questionId, at: questionResponses.firstAt })
    .from(questionResponses)
    .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId)))
    .all();
  const nudged = db
    .select({
      questionId: questionNudges.questionId,
      at: questionNudges.at,
      reasons: questionNudges.reasons,
      // What they did after the nudge is kept about them too (the router learns from it).
      answeredAt: questionNudges.answeredAt,
    })
    .from(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.targetId, memberId)))
    .all();
  return { questionsAsked: asked, questionsAnswered: answered, nudgesReceived: nudged };
}

export function eraseQuestions(db: Db, guildId: GuildId, memberId: MemberId): void {
  db.transaction((tx) => {
    const asked = tx
      .select({ id: questions.questionId })
      .from(questions)
      .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
      .all()
      .map((r) => r.id);
    for (let i = 0; i < asked.length; i += 500) {
      const chunk = asked.slice(i, i + 500);
      tx.delete(questionResponses)
        .where(and(eq(questionResponses.guildId, guildId), inArray(questionResponses.questionId, chunk)))
        .run();
      tx.delete(questionNudges)
        .where(and(eq(questionNudges.guildId, guildId), inArray(questionNudges.questionId, chunk)))
        .run();
    }
    tx.delete(questions)
      .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
      .run();
    tx.delete(questionResponses)
      .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId)))
      .run();
    tx.delete(questionNudges)
      .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.targetId, memberId)))
      .run();
    // Keep the questions they answered, but no longer as theirs.
    tx.update(questions)
      .set({ firstResponderId: null })
      .where(and(eq(questions.guildId, guildId), eq(questions.firstResponderId, memberId)))
      .run();
    tx.update(questions)
      .set({ acceptedAnswererId: null })
      .where(and(eq(questions.guildId, guildId), eq(questions.acceptedAnswererId, memberId)))
      .run();
  });
}

/** How many questions got a nudge of `stage` since `since` (a question counts once, whoever was asked). */
export function questionsNudgedSince(db: Tx, guildId: string, stage: 'peer' | 'escalation', since: number): number {
  const row = db
    .select({ n: sql<number>`count(DISTINCT ${questionNudges.questionId})` })
    .from(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.stage, stage), gte(questionNudges.at, since)))
    .get();
  return row?.n ?? 0;
}
