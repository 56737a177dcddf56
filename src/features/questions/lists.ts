/**
 * Open questions for a member (/unanswered, the personal digest) and the questions figures of the
 * digest (waiting questions, response times, the week's metrics).
 */
import type { Database } from '../../db/database.js';
import { platformWords, readCounterpart } from '../links/identity.js';
import { guildPlatform, memberFacts } from './communityStore.js';
import { expertiseOf } from './expertiseCache.js';
import type { LinkBase } from './links.js';
import { type QuestionMetrics, questionMetrics } from './metrics.js';
import { questionsAskedBetween } from './metricsStore.js';
import { questionNames } from './named.js';
import { nudgesBetween } from './nudgeStore.js';
import { whyLine } from './nudgeWords.js';
import { questionSettings } from './onEvent.js';
import { routerWeightsOf } from './refit.js';
import { type Reason, scoreMember } from './route.js';
import { parentChannels, urlOf, watchedRows } from './scanFacts.js';
import { routeOf } from './scanPlan.js';
import { waitingQuestions } from './store.js';
import { peerWhy, questionForms } from './why.js';

const DAY_MS = 24 * 3_600_000;

export interface HelpWanted {
  questionId: string;
  title: string;
  url: string | null;
  askedAt: number;
  why: string | null;
  reasons: Reason[];
}

/**
 * /unanswered and the personal digest for one person: in a paired community a linked member also
 * sees the other platform's open questions they suit (marked with where they are), alternating
 * with this platform's, best of each first.
 */
export async function unansweredAcross(
  db: Database,
  guildId: string,
  memberId: string,
  now: number,
  limit = 5,
  links: LinkBase = {},
): Promise<(HelpWanted & { elsewhere?: string })[]> {
  const here = await unansweredFor(db, guildId, memberId, now, limit, links);
  const twin = await readCounterpart(db, guildId, memberId);
  if (!twin) return here;
  const where = `on ${platformWords(await guildPlatform(db, twin.guildId))}`;
  const there = (await unansweredFor(db, twin.guildId, twin.memberId, now, limit, links)).map((q) => ({
    ...q,
    elsewhere: where,
  }));
  const out: (HelpWanted & { elsewhere?: string })[] = [];
  for (let i = 0; out.length < limit && (i < here.length || i < there.length); i++) {
    if (here[i]) out.push(here[i]!);
    if (there[i] && out.length < limit) out.push(there[i]!);
  }
  return out;
}

/** How far back /unanswered and the digest look for open questions. */
const WAITING_WINDOW_MS = 30 * DAY_MS;
/** Open questions scored for one member's list (newest first). */
const WAITING_SCAN = 300;

/**
 * Open questions this member is most likely able to answer, best first, by the router's own
 * features for this member (expertise in the question's terms, the asker, the channel).
 */
export async function unansweredFor(
  db: Database,
  guildId: string,
  memberId: string,
  now: number,
  limit = 5,
  links: LinkBase = {},
): Promise<HelpWanted[]> {
  const waiting = (await waitingQuestions(db, guildId, now - WAITING_WINDOW_MS, WAITING_SCAN)).filter(
    (r) => r.askerId !== memberId,
  );
  const rows = watchedRows(waiting, await parentChannels(db, guildId, waiting), await questionSettings(db, guildId));
  if (rows.length === 0) return [];
  const index = await expertiseOf(db, guildId, now);
  const weights = await routerWeightsOf(db, guildId);
  const scored = rows.map((row) => ({ row, ranked: scoreMember(index, routeOf(row), memberId, { now, weights }) }));
  scored.sort((a, b) => (b.ranked?.score ?? 0) - (a.ranked?.score ?? 0) || a.row.askedAt - b.row.askedAt);
  // An asker who posted the same question again is listed once (the longest waiting): the demo's
  // lists showed "My harddrive and wireless lights are blinking…" twice in five lines.
  const candidates = scored.slice(0, limit * 3);
  const titles = await questionNames(
    db,
    guildId,
    candidates.map((t) => t.row),
    now,
  );
  const seen = new Set<string>();
  const top = candidates
    .filter(({ row }) => {
      const same = `${row.askerId}\n${titles.get(row.questionId)}`;
      if (seen.has(same)) return false;
      seen.add(same);
      return true;
    })
    .slice(0, limit);
  const platform = await guildPlatform(db, guildId);
  const out: HelpWanted[] = [];
  for (const { row, ranked } of top) {
    const reasons = ranked?.reasons ?? [];
    // Why this question suits them: what they know, whom they helped, where they answer.
    const suits = reasons.filter((r) => r.kind === 'expertise' || r.kind === 'asker' || r.kind === 'channel');
    const why = await peerWhy(db, row, memberId, suits, await questionForms(db, row), now);
    out.push({
      questionId: row.questionId,
      title: titles.get(row.questionId)!,
      url: urlOf(platform, row, links),
      askedAt: row.askedAt,
      why: whyLine(suits, why, now),
      reasons,
    });
  }
  return out;
}

/** The questions metrics of [from, to) (a guild's week), as of `now`. */
export async function weeklyMetrics(
  db: Database,
  guildId: string,
  from: number,
  to: number,
  now: number,
): Promise<QuestionMetrics> {
  return questionMetrics(
    await questionsAskedBetween(db, guildId, from, to),
    await nudgesBetween(db, guildId, from, to),
    now,
  );
}

/** Open questions for the digest's "waiting for help" list, oldest first. */
export async function waitingForDigest(
  db: Database,
  guildId: string,
  now: number,
  // All of them by default: the digest counts every waiting question and lists the oldest (a cap on
  // the newest here made it say "100 questions" of 290 and show ones waiting 3 days, not 8).
  limit?: number,
  links: LinkBase = {},
): Promise<{ title: string; url: string; askedAt: number; threadId: string }[]> {
  const waiting = await waitingQuestions(db, guildId, now - WAITING_WINDOW_MS, limit);
  const rows = watchedRows(
    waiting,
    await parentChannels(db, guildId, waiting),
    await questionSettings(db, guildId),
  ).sort((a, b) => a.askedAt - b.askedAt);
  const platform = await guildPlatform(db, guildId);
  const titles = await questionNames(db, guildId, rows, now);
  return rows.flatMap((r) => {
    const url = urlOf(platform, r, links);
    return url
      ? // The question's own id: text-channel questions share their channel, and the digest de-duplicates by this.
        [{ title: titles.get(r.questionId)!, url, askedAt: r.askedAt, threadId: r.questionId }]
      : [];
  });
}

/** First-response figures of the questions asked in [from, to), for the digest. */
export async function responseTimes(db: Database, guildId: string, from: number, to: number, now: number) {
  const rows = await questionsAskedBetween(db, guildId, from, to);
  const metrics = questionMetrics(rows, [], now);
  const responders = await memberFacts(
    db,
    guildId,
    rows.flatMap((r) => (r.firstResponderId ? [r.firstResponderId] : [])),
  );
  const within = rows.filter((r) => r.firstResponseAt !== null && r.firstResponseAt - r.askedAt <= DAY_MS).length;
  return {
    asked: metrics.asked,
    answered: metrics.answered,
    answeredWithin24h: within,
    medianFirstResponseMs: metrics.firstResponseMedianMs,
    peerAnswered: rows.filter((r) => r.firstResponderId && !responders.get(r.firstResponderId)?.moderator).length,
    // The digest of a paired community takes one median over both platforms' waits.
    firstResponseWaitsMs: rows.flatMap((r) =>
      r.firstResponseAt === null ? [] : [Math.max(0, r.firstResponseAt - r.askedAt)],
    ),
  };
}
