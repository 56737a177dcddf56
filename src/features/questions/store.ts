/**
 * Questions reads and writes: the questions, their responses, stages and nudges. The facts about
 * channels, messages and members are in communityStore.ts, the nudges read back in nudgeStore.ts,
 * figures in metricsStore.ts, the expertise rebuild in expertiseStore.ts, privacy in privacyStore.ts.
 * Engine-neutral (src/db/database.ts): every function takes a Database (or a transaction's handle).
 */
import { and, asc, eq, gt, gte, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { driveOn, getStep, type HotSteps, hotGet, hotRun, runStep } from '../../db/hotPath.js';
import type { questions } from '../../db/schema.js';

export type QuestionRow = typeof questions.$inferSelect;
export type SolvedVia = 'reaction' | 'command' | 'tag' | 'accepted';

// The statements every message, reaction and thread event runs (ingest's hot path): prepared once per
// SQLite connection, built per call on PostgreSQL (db/hotPath.ts).
const questionById = hotGet((q, v) => {
  const { questions } = q.tables;
  return q
    .select()
    .from(questions)
    .where(and(eq(questions.guildId, v('guildId')), eq(questions.questionId, v('questionId'))));
});

export async function getQuestion(db: Database, guildId: string, questionId: string): Promise<QuestionRow | undefined> {
  return driveOn(db, getStep<QuestionRow>(questionById, { guildId, questionId }));
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

const insertQuestionStatement = hotRun((q, v) => {
  const { questions } = q.tables;
  return q
    .insert(questions)
    .values({
      guildId: v('guildId'),
      questionId: v('questionId'),
      channelId: v('channelId'),
      parentChannelId: v('parentChannelId'),
      askerId: v('askerId'),
      askedAt: v('askedAt'),
      title: v('title'),
      terms: v('terms'),
      hasBody: v('hasBody'),
      mentionIds: v('mentionIds'),
      updatedAt: v('now'),
    })
    .onConflictDoNothing();
});

/** Insert a question; false when it exists already (a replay). */
export async function insertQuestion(db: Database, q: NewQuestion, now: number): Promise<boolean> {
  const inserted = await driveOn(
    db,
    runStep(insertQuestionStatement, {
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
      now,
    }),
  );
  return inserted > 0;
}

const setQuestionBodyStatement = hotRun((q, v) => {
  const { questions } = q.tables;
  return q
    .update(questions)
    .set({ terms: v('terms'), mentionIds: v('mentionIds'), hasBody: true, updatedAt: v('now') })
    .where(and(eq(questions.guildId, v('guildId')), eq(questions.questionId, v('questionId'))));
});

/** The opening post arrived after the thread: its terms and mentions join the title's. */
export async function setQuestionBody(
  db: Database,
  guildId: string,
  questionId: string,
  terms: readonly string[],
  mentionIds: readonly string[],
  now: number,
): Promise<void> {
  await driveOn(
    db,
    runStep(setQuestionBodyStatement, {
      guildId,
      questionId,
      terms: terms.join(' '),
      mentionIds: [...mentionIds],
      now,
    }),
  );
}

/**
 * A reply by someone other than the asker. Returns whether this member responded for the first time
 * and whether theirs is now the first response (an earlier reply delivered late takes the place).
 * `anonymous` (a member who erased their data): the question is answered, but not by anyone named.
 */
export async function recordResponse(
  db: Database,
  r: { guildId: string; questionId: string; memberId: string; messageId: string; at: number },
  now: number,
  anonymous = false,
): Promise<{ added: boolean; first: boolean }> {
  return driveOn(db, responseSteps(r, now, anonymous));
}

const insertResponse = hotRun((q, v) => {
  const { questionResponses } = q.tables;
  return q
    .insert(questionResponses)
    .values({
      guildId: v('guildId'),
      questionId: v('questionId'),
      memberId: v('memberId'),
      messageId: v('messageId'),
      firstAt: v('at'),
    })
    .onConflictDoNothing();
});

const firstResponse = hotRun((q, v) => {
  const { questions } = q.tables;
  return q
    .update(questions)
    .set({ firstResponseAt: v('at'), firstResponderId: v('memberId'), answered: true, updatedAt: v('now') })
    .where(
      and(
        eq(questions.guildId, v('guildId')),
        eq(questions.questionId, v('questionId')),
        or(isNull(questions.firstResponseAt), lt(sql`${v('at')}`, questions.firstResponseAt)),
      ),
    );
});

/** A nudged peer answers within this long after the nudge, or the nudge went unanswered. */
export const NUDGE_ANSWER_WINDOW_MS = 24 * 3_600_000;

/** Feedback: the member was nudged about this question and has now replied, within 24 h of the nudge. */
const nudgeAnswered = hotRun((q, v) => {
  const { questionNudges } = q.tables;
  return q
    .update(questionNudges)
    .set({ answeredAt: v('at') })
    .where(
      and(
        eq(questionNudges.guildId, v('guildId')),
        eq(questionNudges.questionId, v('questionId')),
        eq(questionNudges.stage, 'peer'),
        eq(questionNudges.targetId, v('memberId')),
        isNull(questionNudges.answeredAt),
        lte(questionNudges.at, v('at')),
        gt(questionNudges.at, v('windowStart')),
      ),
    );
});

function* responseSteps(
  r: { guildId: string; questionId: string; memberId: string; messageId: string; at: number },
  now: number,
  anonymous: boolean,
): HotSteps<{ added: boolean; first: boolean }> {
  const added = anonymous || (yield* runStep(insertResponse, r)) > 0;
  if (!added) return { added, first: false };
  if (!anonymous) yield* runStep(nudgeAnswered, { ...r, windowStart: r.at - NUDGE_ANSWER_WINDOW_MS });
  const first =
    (yield* runStep(firstResponse, {
      guildId: r.guildId,
      questionId: r.questionId,
      at: r.at,
      memberId: anonymous ? null : r.memberId,
      now,
    })) > 0;
  return { added, first };
}

export async function markSolved(
  db: Database,
  guildId: string,
  questionId: string,
  s: {
    at: number;
    via: SolvedVia;
    byId: string | null;
    acceptedMessageId: string | null;
    acceptedAnswererId: string | null;
  },
): Promise<boolean> {
  const { questions } = db.tables;
  const changed = await db
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
    .returning({ id: questions.questionId });
  return changed.length > 0;
}

/** Undo a solve made the same way (the ✅ removed, the tag taken off, the answer unaccepted). */
export async function markUnsolved(
  db: Database,
  guildId: string,
  questionId: string,
  via: SolvedVia,
  now: number,
): Promise<boolean> {
  const { questions } = db.tables;
  const changed = await db
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
    .returning({ id: questions.questionId });
  return changed.length > 0;
}

/** Open questions asked in [from, to]: unanswered, unsolved, not yet escalated. */
export async function openQuestions(db: Database, guildId: string, from: number, to: number): Promise<QuestionRow[]> {
  const { questions } = db.tables;
  return (await db
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
    .orderBy(asc(questions.askedAt))) as QuestionRow[];
}

/** Open questions (unanswered, unsolved) asked since `from`, newest first: the help-wanted list (all of them without `limit`). */
export async function waitingQuestions(
  db: Database,
  guildId: string,
  from: number,
  limit?: number,
): Promise<QuestionRow[]> {
  const { questions } = db.tables;
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
  return (await (limit === undefined ? query : query.limit(limit))) as QuestionRow[];
}

/** "Has anyone but the asker (and not a bot) posted where `target` is the question?" — in its thread, or as a reply. */
async function replyByOther(
  db: Database,
  target: 'channelId' | 'replyToId',
  guildId: string,
  questionId: string,
  askerId: string,
): Promise<boolean> {
  const { messages, members } = db.tables;
  const rows = await db
    .select({ one: sql<number>`1` })
    .from(messages)
    .leftJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
    .where(
      and(
        eq(messages.guildId, guildId),
        eq(messages[target], questionId),
        ne(messages.authorId, askerId),
        isNull(messages.deletedAt),
        sql`NOT coalesce(${members.bot}, FALSE)`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/**
 * Whether anyone but the asker (and not a bot) has replied, straight from the messages: the truth
 * even when the questions row has not caught up yet (a backfill still being applied).
 */
export async function hasReply(db: Database, guildId: string, questionId: string, askerId: string): Promise<boolean> {
  return (
    (await replyByOther(db, 'channelId', guildId, questionId, askerId)) ||
    (await replyByOther(db, 'replyToId', guildId, questionId, askerId))
  );
}

/** Move a question to `stage` (1 nudged, 2 escalated) only if it is still open and below it. */
export async function advanceStage(
  db: Database,
  guildId: string,
  questionId: string,
  stage: 1 | 2,
  at: number,
): Promise<boolean> {
  const { questions } = db.tables;
  const stamp = stage === 1 ? { nudgedAt: at } : { escalatedAt: at };
  const changed = await db
    .update(questions)
    .set({ nudgeStage: stage, ...stamp, updatedAt: at })
    .where(
      and(
        eq(questions.guildId, guildId),
        eq(questions.questionId, questionId),
        lt(questions.nudgeStage, stage),
        eq(questions.answered, false),
        isNull(questions.solvedAt),
      ),
    )
    .returning({ id: questions.questionId });
  return changed.length > 0;
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

export async function recordNudges(db: Database, rows: readonly NudgeRow[]): Promise<void> {
  if (rows.length === 0) return;
  const { questionNudges } = db.tables;
  await db
    .insert(questionNudges)
    .values(rows.map((r) => ({ ...r, reasons: r.reasons ?? null })))
    .onConflictDoNothing();
}
