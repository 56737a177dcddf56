/**
 * The two ends of every journey operation: read the facts a decision needs about a member, and write
 * a decision (rows, milestones, marks, Actions) in the caller's transaction. The deciding in between
 * is pure (decide.ts, progress.ts, welcome.ts, sweepPlan.ts).
 */

import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { enqueueOn } from '../../outbox/store.js';
import { readCounterpart } from '../links/identity.js';
import { type GuildContext, loadContext } from './context.js';
import { topicChannels } from './placesStore.js';
import type { JourneyWrites, LinkedAccount, MarkWrites, ProgressFacts } from './progress.js';
import { type JourneyRow, newJourneyRow } from './row.js';
import {
  coreMember,
  creditSolved,
  getJourney,
  insertMilestones,
  markFirstReply,
  milestoneStages,
  saveJourney,
} from './store.js';
import { TOPIC_WINDOW_MS, welcomeTopics } from './welcome.js';

/**
 * The member's row, or a fresh one. A member first seen through a message or a reaction was here
 * before we watched: joinedAt stays null, which keeps them out of congratulations for stages they
 * passed long ago.
 */
export const rowFor = async (db: Database, ctx: GuildContext, memberId: string, at: number): Promise<JourneyRow> =>
  (await getJourney(db, ctx.guildId, memberId)) ?? newJourneyRow(ctx.guildId, memberId, '', at, null);

/**
 * The member's linked account on the other platform, as stored (null: none). `withContext` also
 * loads that guild's context, which a decision that moves the other account needs.
 */
export async function linkedAccount(
  db: Database,
  guildId: string,
  memberId: string,
  withContext: boolean,
): Promise<LinkedAccount | null> {
  const other = await readCounterpart(db, guildId, memberId);
  if (!other) return null;
  return {
    guildId: other.guildId,
    memberId: other.memberId,
    ctx: withContext ? await loadContext(db, other.guildId as GuildId) : null,
    row: await getJourney(db, other.guildId, other.memberId),
  };
}

/** Everything decideProgress needs about a member besides their own row. */
export async function progressFacts(db: Database, ctx: GuildContext, memberId: string): Promise<ProgressFacts> {
  const here = await coreMember(db, ctx.guildId, memberId);
  return {
    other: await linkedAccount(db, ctx.guildId, memberId, true),
    here: here ? { leftAt: here.leftAt, bot: here.bot } : undefined,
    // Only optional stages are ever recorded apart from the stage reached: without one, no read.
    milestones: ctx.track.stages.some((s) => s.optional)
      ? await milestoneStages(db, ctx.guildId, memberId)
      : new Set<string>(),
  };
}

/** Write a decision; call inside the transaction whose reads gathered its facts. Returns Actions enqueued. */
export async function writeJourney(
  tx: Database,
  guildId: GuildId,
  writes: JourneyWrites & MarkWrites,
  now: number,
): Promise<number> {
  if (writes.solved) await creditSolved(tx, { guildId, ...writes.solved });
  if (writes.firstReply) await markFirstReply(tx, guildId, writes.firstReply.memberId, writes.firstReply.by);
  for (const m of writes.milestones) await insertMilestones(tx, m.guildId, m.memberId, m.stages, m.at);
  for (const row of writes.rows) await saveJourney(tx, row, now);
  return writes.items.length > 0 ? await enqueueOn(tx, writes.items, now) : 0;
}

/** The channels a welcome may name (read only when a welcome is due). */
export const busiestChannels = async (db: Database, ctx: GuildContext, now: number) =>
  welcomeTopics(ctx, await topicChannels(db, ctx.guildId, now - TOPIC_WINDOW_MS, 5));
