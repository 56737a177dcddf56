import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { questionNudges } from '../../../src/db/schema.js';
import { renderStatus, statusReport } from '../../../src/features/core/status.js';
import {
  FALLBACK,
  FEATURE_KEYS,
  featureRows,
  fitRouter,
  MIN_HISTORY,
  type TrainingQuestion,
} from '../../../src/features/questions/fit.js';
import { readModel, trainingHistory } from '../../../src/features/questions/fitStore.js';
import { refitDue, refitRouter, routerWeightsOf } from '../../../src/features/questions/refit.js';
import { DEFAULT_WEIGHTS, type Features, scoreMember } from '../../../src/features/questions/route.js';
import { expertiseOf, scanAndNudge } from '../../../src/features/questions/service.js';
import { DAY, HOUR, makeCommunity, makeWorld, T0 } from './world.js';

const drain = async <T>(g: AsyncGenerator<void, T>): Promise<T> => {
  for (;;) {
    const r = await g.next();
    if (r.done) return r.value;
  }
};

/** Plain features where the first responder is the one with the most first replies. */
function syntheticHistory(n: number): TrainingQuestion[] {
  const zero = Object.fromEntries(FEATURE_KEYS.map((k) => [k, 0])) as unknown as Features;
  return Array.from({ length: n }, (_, q) => {
    const candidates = Array.from({ length: 12 }, (_, i) => ({
      ...zero,
      firsts: ((i * 7 + q) % 12) / 4,
      activityShort: ((i * 5 + q * 3) % 12) / 4,
      since: -((i + q) % 12) / 6,
    }));
    const target = candidates.reduce((best, c, i) => (c.firsts > candidates[best]!.firsts ? i : best), 0);
    return { askedAt: q * HOUR, rows: featureRows(candidates), target, waitMs: (q % 3) * 3 * HOUR, ignored: [] };
  });
}

describe('fitting the router (pure)', () => {
  it('GIVEN fewer answered questions than the history threshold THEN the shipped defaults, and a fit from the threshold on', async () => {
    const below = fitRouter(syntheticHistory(MIN_HISTORY - 1));
    expect(below.learner).toBe(FALLBACK);
    expect(below.weights).toBe(DEFAULT_WEIGHTS);
    const at = fitRouter(syntheticHistory(MIN_HISTORY));
    expect(at.learner).not.toBe(FALLBACK);
    expect(at.tried.map((t) => t.learner)).toContain('shipped defaults');
    // Here first replies decide everything: whatever learner won, it ranks by them better than the defaults.
    expect(at.validation.all).toBeGreaterThanOrEqual(at.tried.find((t) => t.learner === 'shipped defaults')!.all);
  });
});

/**
 * A forum where each of six helpers answers one topic: 230 questions before the cut-off (one of them
 * answered only after it), then 40 after. `until`: stop writing there (the same world, later data removed).
 */
async function topicForum(until = Number.POSITIVE_INFINITY) {
  const w = makeWorld();
  await w.guild(T0 - 400 * DAY);
  await w.channel('help', 'help', 'forum', T0 - 400 * DAY);
  await w.channel('general', 'general', 'text', T0 - 400 * DAY);
  const helpers = ['ada', 'bo', 'cy', 'dee', 'eve', 'fin'];
  const askers = ['gus', 'hal', 'ivy', 'jo', 'kim', 'lu'];
  const topics = ['shader', 'network', 'physics', 'audio', 'terrain', 'animation'];
  for (const m of [...helpers, ...askers]) await w.join(m, { at: T0 - 399 * DAY });
  const start = T0 - 300 * DAY;
  const cutoff = start + 230 * DAY;
  for (let i = 0; i < 270; i++) {
    const at = start + i * DAY + (i % 5) * HOUR;
    if (at >= until) break;
    const k = (i * 7) % 6;
    const id = `q${i}`;
    await w.post(id, 'help', askers[i % 6]!, `${topics[k]} problem number ${i % 13}`, at, {
      body: `my ${topics[k]} setup fails, any idea?`,
    });
    // Helpers chat daily; the topic's helper answers, sometimes after a slower one said hello.
    await w.message(helpers[(k + 1) % 6]!, 'general', at + HOUR, { content: 'morning all' });
    // The last question before the cut-off is answered after it: that reply is the future.
    const wait = i === 229 ? cutoff - at + 2 * HOUR : (1 + (i % 7)) * HOUR;
    if (at + wait < until) await w.message(helpers[k]!, id, at + wait, { content: `about ${topics[k]}: try this` });
  }
  return { w, cutoff };
}

describe('fitting the router on the store', () => {
  it('GIVEN the same forum with everything after the cut-off removed THEN the history, the model and the rankings are identical', async () => {
    const full = await topicForum();
    const cut = await topicForum(full.cutoff);
    const before = full.cutoff;
    const hFull = await drain(trainingHistory(full.w.store, full.w.guildId, before));
    const hCut = await drain(trainingHistory(cut.w.store, cut.w.guildId, before));
    expect(hFull.length).toBeGreaterThanOrEqual(MIN_HISTORY);
    expect(hFull).toEqual(hCut);
    const fitFull = await refitRouter(full.w.store, full.w.guildId, before);
    const fitCut = await refitRouter(cut.w.store, cut.w.guildId, before);
    expect(fitFull.learner).not.toBe(FALLBACK);
    expect(fitFull.weights).toEqual(fitCut.weights);
    expect(await routerWeightsOf(full.w.store, full.w.guildId)).toEqual(fitFull.weights);
    const status = renderStatus(await statusReport(full.w.deps(), full.w.guildId, before), before);
    expect(status).toContain(`Routing: fitted to this community (${fitFull.questions} answered questions)`);
    // Rank every member for a new question at the cut-off, on the truncated index, with either model.
    const index = await expertiseOf(cut.w.store, cut.w.guildId, before);
    const question = { askerId: 'gus', terms: ['terrain', 'setup'], channelId: 'help' };
    const rank = (weights: typeof DEFAULT_WEIGHTS) =>
      ['ada', 'bo', 'cy', 'dee', 'eve', 'fin']
        .map((m) => scoreMember(index, question, m, { now: before, weights }))
        .map((r) => `${r!.memberId}:${r!.score.toFixed(9)}:${r!.reasons.map((x) => x.kind).join('+')}`);
    expect(rank(await routerWeightsOf(full.w.store, full.w.guildId))).toEqual(
      rank(await routerWeightsOf(cut.w.store, cut.w.guildId)),
    );
  });

  it('GIVEN a community with a handful of answered questions THEN the refit stores the fallback and routing keeps the shipped weights', async () => {
    const w = await makeCommunity();
    const fit = await refitRouter(w.store, w.guildId, T0);
    expect(fit.learner).toBe(FALLBACK);
    expect(await readModel(w.store, w.guildId)).toMatchObject({ learner: FALLBACK, questions: 5, fittedAt: T0 });
    expect((await readModel(w.store, w.guildId))!.weights).toBe(DEFAULT_WEIGHTS);
    expect(await routerWeightsOf(w.store, w.guildId)).toEqual(DEFAULT_WEIGHTS);
    const status = renderStatus(await statusReport(w.deps(), w.guildId, T0), T0);
    expect(status).toContain('Routing: shipped weights (5 answered questions, 200 needed to fit)');
  });
});

describe('when the router is refitted', () => {
  it.each([
    ['never fitted', null, undefined, true],
    ['fitted a day ago, no backfill since', T0 - DAY, undefined, false],
    ['fitted a day ago, a backfill before that', T0 - DAY, T0 - 2 * DAY, false],
    ['fitted a day ago, a backfill since', T0 - DAY, T0 - HOUR, true],
    ['fitted a week ago', T0 - 7 * DAY, undefined, true],
  ])('GIVEN %s THEN due: %s', async (_case, fittedAt, backfillAt, due) => {
    expect(refitDue(fittedAt === null ? null : { fittedAt }, T0, backfillAt)).toBe(due);
  });
});

describe('the why of a fitted router', () => {
  it('GIVEN a model that learned nothing from expertise THEN no peer is told they know the topic; the shipped one tells it', async () => {
    const w = await makeCommunity();
    const index = await expertiseOf(w.store, w.guildId, T0);
    const question = { askerId: 'cy', terms: ['vulkan', 'shader', 'crash'], channelId: 'help' };
    const kinds = (weights: typeof DEFAULT_WEIGHTS) =>
      scoreMember(index, question, 'ada', { now: T0, weights })!.reasons.map((r) => r.kind);
    expect(kinds(DEFAULT_WEIGHTS)).toContain('expertise');
    const fitted = { ...DEFAULT_WEIGHTS, expertise: 0, channel: 1.2 };
    expect(kinds(fitted)).not.toContain('expertise');
    expect(kinds(fitted)[0]).toBe('channel');
  });
});

describe('what happened after a nudge', () => {
  const nudgeRows = (w: Awaited<ReturnType<typeof makeCommunity>>, q: string) =>
    w.db
      .select()
      .from(questionNudges)
      .where(and(eq(questionNudges.guildId, w.guildId), eq(questionNudges.questionId, q)))
      .all();

  it('GIVEN two nudged questions, one answered by the nudged peer within 24 h and one not THEN each outcome is recorded, learned from and shown', async () => {
    const w = await makeCommunity();
    const ask = (id: string, at: number) =>
      w.post(id, 'help', 'cy', 'vulkan shader crash on startup', at, { body: 'my vulkan shader crashes, why?' });
    await ask('q1', T0 - 5 * HOUR);
    expect((await scanAndNudge(w.store, w.guildId, T0)).nudged).toBe(1);
    const nudged1 = nudgeRows(w, 'q1').map((r) => r.targetId);
    expect(nudged1).toContain('ada');
    await w.message('ada', 'q1', T0 + 2 * HOUR, { content: 'try the validation layers' });

    await ask('q2', T0 + 1 * DAY - 5 * HOUR);
    expect((await scanAndNudge(w.store, w.guildId, T0 + DAY)).nudged).toBe(1);
    const nudged2 = nudgeRows(w, 'q2');
    expect(nudged2.map((r) => r.targetId)).toContain('ada');
    // Someone else answers the next day; the nudged peer only after 24 h.
    await w.message('bo', 'q2', T0 + 2 * DAY + HOUR, { content: 'I had that too' });
    await w.message('ada', 'q2', T0 + 2 * DAY + 2 * HOUR, { content: 'late, but: validation layers' });

    const ada1 = nudgeRows(w, 'q1').find((r) => r.targetId === 'ada')!;
    const ada2 = nudgeRows(w, 'q2').find((r) => r.targetId === 'ada')!;
    expect(ada1.answeredAt).toBe(T0 + 2 * HOUR);
    expect(ada2.answeredAt).toBeNull();

    // The fit learns that ada was asked about q2 and did not answer in time.
    const now = T0 + 4 * DAY;
    const history = await drain(trainingHistory(w.store, w.guildId, now));
    const q2 = history.find((h) => h.askedAt === T0 + DAY - 5 * HOUR)!;
    expect(q2.ignored.length).toBe(nudged2.length);
    const q1 = history.find((h) => h.askedAt === T0 - 5 * HOUR)!;
    // Only the peers who did not answer q1 (ada did).
    expect(q1.ignored.length).toBe(nudged1.length - 1);

    const status = renderStatus(await statusReport(w.deps(), w.guildId, now), now);
    const line = status.split('\n').find((l) => l.startsWith('Nudged peers'));
    const settled = nudged1.length + nudged2.length;
    const pct = Math.round((100 * 1) / settled);
    expect(line).toBe(
      `Nudged peers answered ${pct}% of the questions they were asked about in the last 30 days (1 of ${settled})`,
    );
  });
});
