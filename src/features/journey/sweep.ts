/**
 * The periodic sweep: everything that happens because time passed. Four steps, each reading its
 * facts, planning in sweepPlan.ts (pure) and writing in one transaction.
 */
import { type Database, transaction } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { readLinkedAcross } from '../links/identity.js';
import { cachedContext, type GuildContext } from './context.js';
import { busiestChannels, linkedAccount, progressFacts, rowFor, writeJourney } from './facts.js';
import { busiestThread, openQuestion, topicChannels } from './placesStore.js';
import { personFacts } from './progress.js';
import { coreMember, getJourney } from './store.js';
import {
  chooseInvitation,
  type DueCongratulation,
  movesNow,
  planAdvances,
  planDueCongratulations,
  planNudges,
  planWelcomes,
} from './sweepPlan.js';
import { dueCongratulations, journeysPage, silentNewcomers, unwelcomedJoins } from './sweepStore.js';
import { isTimeBased } from './track.js';
import { TOPIC_WINDOW_MS, WELCOME_WINDOW_MS, welcomeDue } from './welcome.js';

const DAY = 86_400_000;
/** The silent-newcomer nudge is offered for this long after `afterDays`; later it would be a stranger's DM. */
const NUDGE_WINDOW_MS = 7 * DAY;
const SWEEP_PAGE = 5_000;

export interface SweepResult {
  welcomed: number;
  evaluated: number;
  advanced: number;
  congratulated: number;
  nudged: number;
  enqueued: number;
}

/**
 * Everything that happens because time passed: welcomes a crash kept from going out, stages whose
 * criteria hold now (time-based criteria, a track a moderator changed), congratulations whose hour
 * is over, and the silent-newcomer nudge. `now` is the scheduler's clock.
 */
export async function sweep(
  db: Database,
  guildId: GuildId,
  now: number,
  options: { full?: boolean } = {},
): Promise<SweepResult> {
  const result: SweepResult = { welcomed: 0, evaluated: 0, advanced: 0, congratulated: 0, nudged: 0, enqueued: 0 };
  const cached = await cachedContext(db, guildId);
  if (!cached) return result;
  const ctx = cached.context;

  result.enqueued += await transaction(db, async (tx) => {
    const joins = [];
    for (const join of await unwelcomedJoins(tx, guildId, now - WELCOME_WINDOW_MS)) {
      joins.push({
        joinedAt: join.joinedAt,
        row: await rowFor(tx, ctx, join.memberId, join.joinedAt),
        progress: await progressFacts(tx, ctx, join.memberId),
      });
    }
    const anyDue = joins.some((j) => welcomeDue(ctx, j.row, j.joinedAt, now));
    const plan = planWelcomes(ctx, joins, anyDue ? await busiestChannels(tx, ctx, now) : [], now);
    result.welcomed += plan.welcomed;
    return writeJourney(tx, guildId, plan.writes, now);
  });

  // Events move members as they happen, so a full re-evaluation is only needed when time alone can
  // move someone (a time-based criterion), when the track changed, or once per process (a crash
  // between ingest and the journey). A page is read and evaluated in memory; only movers are written.
  const trackText = JSON.stringify(ctx.track);
  const full =
    options.full === true ||
    cached.sweptTrack !== trackText ||
    ctx.track.stages.some((st) => st.criteria.some(isTimeBased));
  if (full) {
    const counts = await reevaluate(db, ctx, now);
    result.evaluated += counts.evaluated;
    result.advanced += counts.advanced;
    result.enqueued += counts.enqueued;
  }
  cached.sweptTrack = trackText;

  result.enqueued += await transaction(db, async (tx) => {
    const due: DueCongratulation[] = [];
    for (const memberId of await dueCongratulations(tx, guildId, now)) {
      const row = await getJourney(tx, guildId, memberId);
      if (!row) continue;
      const here = await coreMember(tx, guildId, memberId);
      const facts = personFacts(row, await linkedAccount(tx, guildId, memberId, false));
      due.push({ row, here: here?.leftAt == null, facts });
    }
    const plan = planDueCongratulations(ctx, due, now);
    result.congratulated += plan.congratulated;
    return writeJourney(tx, guildId, plan.writes, now);
  });

  const nudges = ctx.journey.nudges;
  if (nudges.enabled && !ctx.journey.silent) {
    const silentSince = now - nudges.afterDays * DAY;
    result.enqueued += await transaction(db, async (tx) => {
      const newcomers = [];
      for (const memberId of await silentNewcomers(tx, guildId, silentSince - NUDGE_WINDOW_MS, silentSince)) {
        const row = await rowFor(tx, ctx, memberId, now);
        newcomers.push({ row, progress: row.stage === '' ? await progressFacts(tx, ctx, memberId) : null });
      }
      const invitation = newcomers.length > 0 ? chooseInvitation(ctx, await invitationFacts(tx, ctx, now)) : null;
      const plan = planNudges(ctx, newcomers, invitation, now);
      result.nudged += plan.nudged;
      return writeJourney(tx, guildId, plan.writes, now);
    });
  }
  return result;
}

/** Every member not at the last stage, a page at a time: who moves now, and moving them. */
async function reevaluate(db: Database, ctx: GuildContext, now: number) {
  const counts = { evaluated: 0, advanced: 0, enqueued: 0 };
  const guildId = ctx.guildId;
  const lastStage = ctx.track.stages.at(-1)!.id;
  const linked = await readLinkedAcross(db, guildId);
  let after = '';
  for (;;) {
    const page = await journeysPage(db, guildId, lastStage, after, SWEEP_PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!.memberId;
    counts.evaluated += page.length;
    const moved: typeof page = [];
    for (const r of page) {
      const other = linked.has(r.memberId) ? await linkedAccount(db, guildId, r.memberId, false) : null;
      if (movesNow(ctx, personFacts(r, other), r.stage, now)) moved.push(r);
    }
    if (moved.length === 0) continue;
    counts.enqueued += await transaction(db, async (tx) => {
      const movers = [];
      for (const m of moved) {
        const row = await getJourney(tx, guildId, m.memberId);
        if (row) movers.push({ row, progress: await progressFacts(tx, ctx, m.memberId) });
      }
      counts.advanced += movers.length;
      return writeJourney(tx, guildId, planAdvances(ctx, movers, now), now);
    });
  }
  return counts;
}

/** The facts an invitation is chosen from (read once per sweep, only when someone may be nudged). */
const invitationFacts = async (db: Database, ctx: GuildContext, now: number) => ({
  openQuestion: await openQuestion(db, ctx.guildId, now - 14 * DAY),
  busiestThread: await busiestThread(db, ctx.guildId, now - 7 * DAY),
  topicChannel: (await topicChannels(db, ctx.guildId, now - TOPIC_WINDOW_MS, 1))[0],
});
