/**
 * What the fitted router reads and writes: the community's history as training questions (replayed
 * in time order, so each question sees the index as it stood when it was asked), and the stored model.
 *
 * Everything at or after `before` is left out: messages, questions, first replies, solutions and the
 * outcome of nudges whose 24 h had not passed. The replay is a generator that yields every page of
 * messages and every few questions, so a refit on the event loop gives way often.
 */
import { and, asc, eq, gte, lt } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { questions } from '../../db/schema.js';
import { splitTerms } from '../../text/tokenize.js';
import { ExpertiseIndex } from './expertise.js';
import { solvedCredit } from './expertiseStore.js';
import { type FittedRouter, featureRows, MAX_HISTORY, type TrainingQuestion } from './fit.js';
import { candidateFeatures, DEFAULT_WEIGHTS, type RouterWeights } from './route.js';
import { NUDGE_ANSWER_WINDOW_MS } from './store.js';

const PAGE_MS = 7 * 24 * 3_600_000;
/** Questions featurized between two yields. */
const QUESTIONS_PER_STEP = 20;

type QuestionRow = typeof questions.$inferSelect;

export async function* trainingHistory(
  db: Database,
  guildId: string,
  before: number,
): AsyncGenerator<void, TrainingQuestion[]> {
  const { members, messages, questionNudges, questionResponses, questions } = db.tables;
  const bots = new Set(
    (
      await db
        .select({ id: members.memberId })
        .from(members)
        .where(and(eq(members.guildId, guildId), eq(members.bot, true)))
    ).map((r) => r.id),
  );
  const qs = (await db
    .select()
    .from(questions)
    .where(and(eq(questions.guildId, guildId), lt(questions.askedAt, before)))
    .orderBy(asc(questions.askedAt))) as QuestionRow[];
  yield;
  const byId = new Map(qs.map((q) => [q.questionId, { row: q, terms: splitTerms(q.terms) }]));
  const responses = (
    await db
      .select()
      .from(questionResponses)
      .where(and(eq(questionResponses.guildId, guildId), lt(questionResponses.firstAt, before)))
      .orderBy(asc(questionResponses.firstAt))
  ).filter((r) => byId.has(r.questionId) && !bots.has(r.memberId));
  yield;
  // Feedback: peers nudged about a question who had not answered 24 h later (as known at `before`).
  const ignored = new Map<string, string[]>();
  for (const n of await db
    .select()
    .from(questionNudges)
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        eq(questionNudges.stage, 'peer'),
        lt(questionNudges.at, before - NUDGE_ANSWER_WINDOW_MS),
      ),
    )) {
    if (n.answeredAt !== null && n.answeredAt < before) continue;
    const list = ignored.get(n.questionId) ?? [];
    list.push(n.targetId);
    ignored.set(n.questionId, list);
  }
  const solved = qs
    .filter((q) => q.solvedAt !== null && q.solvedAt < before)
    .map((q) => ({ at: q.solvedAt!, credit: solvedCredit(q), q }))
    .filter((s) => s.credit !== null && s.credit !== s.q.askerId)
    .sort((a, b) => a.at - b.at);
  const sampleFrom = qs.length > MAX_HISTORY ? qs[qs.length - MAX_HISTORY]!.askedAt : Number.NEGATIVE_INFINITY;

  const index = new ExpertiseIndex();
  const out: TrainingQuestion[] = [];
  let qi = 0;
  let ri = 0;
  let si = 0;
  let sinceYield = 0;
  // Everything strictly before `t`: questions are featurized before their own opening message counts.
  const advance = function* (t: number): Generator<void> {
    for (;;) {
      const qa = qi < qs.length ? qs[qi]!.askedAt : Number.POSITIVE_INFINITY;
      const ra = ri < responses.length ? responses[ri]!.firstAt : Number.POSITIVE_INFINITY;
      const sa = si < solved.length ? solved[si]!.at : Number.POSITIVE_INFINITY;
      const next = Math.min(qa, ra, sa);
      if (next > t || next === Number.POSITIVE_INFINITY) return;
      if (qa === next) {
        const q = qs[qi++]!;
        if (q.askedAt >= sampleFrom) {
          const sample = sampleOf(index, q, byId.get(q.questionId)!.terms, before, ignored.get(q.questionId) ?? []);
          if (sample) out.push(sample);
          if (++sinceYield >= QUESTIONS_PER_STEP) {
            sinceYield = 0;
            yield;
          }
        }
      } else if (ra === next) {
        const r = responses[ri++]!;
        const q = byId.get(r.questionId)!;
        index.noteResponse({
          memberId: r.memberId,
          askerId: q.row.askerId,
          terms: q.terms,
          at: r.firstAt,
          askedAt: q.row.askedAt,
          first: q.row.firstResponderId === r.memberId,
          channelId: q.row.parentChannelId,
        });
      } else {
        const s = solved[si++]!;
        index.noteSolved(s.credit!, byId.get(s.q.questionId)!.terms, s.q.askedAt);
      }
    }
  };

  for (let from = Number.NEGATIVE_INFINITY; from < before; ) {
    const first =
      from === Number.NEGATIVE_INFINITY
        ? (
            await db
              .select({ at: messages.createdAt })
              .from(messages)
              .where(eq(messages.guildId, guildId))
              .orderBy(asc(messages.createdAt))
              .limit(1)
          )[0]?.at
        : from;
    if (first === undefined) break;
    const to = Math.min(before, first + PAGE_MS);
    const page = await db
      .select({
        authorId: messages.authorId,
        createdAt: messages.createdAt,
        channelId: messages.channelId,
        replyToId: messages.replyToId,
        terms: messages.terms,
        deletedAt: messages.deletedAt,
      })
      .from(messages)
      .where(and(eq(messages.guildId, guildId), gte(messages.createdAt, first), lt(messages.createdAt, to)))
      .orderBy(asc(messages.createdAt));
    for (const m of page) {
      yield* advance(m.createdAt - 1);
      if (m.deletedAt !== null || bots.has(m.authorId)) continue;
      index.noteActivity(m.authorId, m.createdAt);
      const q = byId.get(m.channelId) ?? (m.replyToId ? byId.get(m.replyToId) : undefined);
      if (q && q.row.askerId !== m.authorId) index.noteReplyTerms(m.authorId, splitTerms(m.terms), m.createdAt);
    }
    from = to;
    yield;
  }
  yield* advance(before - 1);
  return out;
}

function sampleOf(
  index: ExpertiseIndex,
  q: QuestionRow,
  terms: readonly string[],
  before: number,
  ignoredIds: readonly string[],
): TrainingQuestion | null {
  // The first reply is the answer only if it came before `before` (later is the future).
  if (q.firstResponderId === null || q.firstResponseAt === null || q.firstResponseAt >= before) return null;
  const cands = candidateFeatures(
    index,
    { askerId: q.askerId, terms, channelId: q.parentChannelId },
    { now: q.askedAt },
  );
  const ids = cands.map((c) => c.memberId);
  return {
    askedAt: q.askedAt,
    rows: featureRows(cands.map((c) => c.features)),
    target: ids.indexOf(q.firstResponderId),
    waitMs: q.firstResponseAt - q.askedAt,
    ignored: ignoredIds.map((id) => ids.indexOf(id)).filter((i) => i >= 0),
  };
}

export interface StoredModel {
  weights: RouterWeights;
  learner: string;
  questions: number;
  historyUntil: number;
  fittedAt: number;
}

export async function readModel(db: Database, guildId: string): Promise<StoredModel | null> {
  const { routerModels } = db.tables;
  const [row] = await db.select().from(routerModels).where(eq(routerModels.guildId, guildId)).limit(1);
  if (!row) return null;
  return {
    // Stored weights over the shipped ones: a feature added since the fit keeps its shipped weight.
    weights: row.weights === null ? DEFAULT_WEIGHTS : { ...DEFAULT_WEIGHTS, ...row.weights },
    learner: row.learner,
    questions: row.questions,
    historyUntil: row.historyUntil,
    fittedAt: row.fittedAt,
  };
}

export async function writeModel(
  db: Database,
  guildId: string,
  fit: FittedRouter,
  historyUntil: number,
  now: number,
): Promise<void> {
  const { routerModels } = db.tables;
  const fitted = fit.weights === DEFAULT_WEIGHTS ? null : { ...fit.weights };
  const values = {
    guildId,
    weights: fitted,
    learner: fit.learner,
    questions: fit.questions,
    validation: { chosen: fit.validation, tried: fit.tried },
    historyUntil,
    fittedAt: now,
  };
  await db.insert(routerModels).values(values).onConflictDoUpdate({ target: routerModels.guildId, set: values });
}
