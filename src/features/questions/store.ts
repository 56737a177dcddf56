/**
 * Questions reads and writes: the questions, their responses, stages and nudges. The facts about
 * channels, messages and members are in communityStore.ts, the nudges read back in nudgeStore.ts,
 * figures in metricsStore.ts, the expertise rebuild in expertiseStore.ts, privacy in privacyStore.ts.
 */
import { and, asc, eq, gt, gte, isNull, lt, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { channels, guilds, members, messages, questionNudges, questionResponses, questions } from '../../db/schema.js';
export type QuestionRow = typeof questions.$inferSelect;
export type SolvedVia = 'reaction' | 'command' | 'tag' | 'accepted';

/** Any drizzle handle: the database or a transaction. */
export type Tx = Pick<Db, 'select' | 'insert' | 'update' | 'delete'>;

export const p = sql.placeholder;

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

/**
 * The questions a member answered among those `which` selects (by topic, by channel): how many, and
 * when they last answered one. One join for answeredAbout and answeredIn (communityStore.ts).
 */
function answeredWhere(db: Db, which: SQL) {
  return db
    .select({ n: sql<number>`count(*)`, last: sql<number | null>`max(${questionResponses.firstAt})` })
    .from(questionResponses)
    .innerJoin(
      questions,
      and(eq(questions.guildId, questionResponses.guildId), eq(questions.questionId, questionResponses.questionId)),
    )
    .where(and(eq(questionResponses.guildId, p('guildId')), eq(questionResponses.memberId, p('memberId')), which))
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
    answeredAbout: answeredWhere(db, sql`(' ' || ${questions.terms} || ' ') LIKE ${p('pattern')}`),
    answeredIn: answeredWhere(db, eq(questions.parentChannelId, p('parentChannelId'))),
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
export function stmts(db: Db): Statements {
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
