/**
 * What a periodic sweep does (pure): the welcomes a crash kept from going out, the members time
 * alone moved, the congratulations whose hour is over, and the silent-newcomer nudges. Each plan
 * takes the facts sweep.ts read and returns what to write, with counts for the log.
 */
import { asMemberId } from '../../events.js';
import { type ChannelRef, type Invitation, renderNudge } from './compose.js';
import type { MemberState } from './decide.js';
import { evaluate, type MemberFacts } from './evaluate.js';
import { type GuildContext, contextItem as item } from './guild.js';
import {
  CONTACT_GAP_MS,
  canContact,
  congratsItem,
  decideProgress,
  type JourneyWrites,
  noWrites,
  type ProgressFacts,
} from './progress.js';
import type { JourneyRow } from './row.js';
import { decideWelcome } from './welcome.js';

/** Recent joins nobody welcomed yet (a crash between the join and its welcome). */
export function planWelcomes(
  ctx: GuildContext,
  joins: (MemberState & { joinedAt: number })[],
  topics: ChannelRef[],
  now: number,
): { writes: JourneyWrites; welcomed: number } {
  const writes = noWrites();
  let welcomed = 0;
  for (const join of joins) {
    const row = { ...join.row };
    row.joinedAt ??= join.joinedAt;
    const welcome = decideWelcome(ctx, row, join.joinedAt, topics, now);
    if (welcome.length > 0) welcomed++;
    writes.items.push(...welcome);
    decideProgress(ctx, row, join.progress, join.joinedAt, now, writes);
    writes.rows.push(row);
  }
  return { writes, welcomed };
}

/** Whether evaluating the member now reaches a stage (a time-based criterion, a changed track). */
export const movesNow = (ctx: GuildContext, facts: MemberFacts, stage: string, now: number): boolean =>
  evaluate(ctx.track, facts, stage || null, now).reached.length > 0;

/** Move the members found to move now (as of `now`, the sweep's clock). */
export function planAdvances(ctx: GuildContext, movers: MemberState[], now: number): JourneyWrites {
  const writes = noWrites();
  for (const m of movers) {
    const row = { ...m.row };
    decideProgress(ctx, row, m.progress, now, now, writes);
    writes.rows.push(row);
  }
  return writes;
}

export interface DueCongratulation {
  row: JourneyRow;
  /** The member is still here (unknown counts as here). */
  here: boolean;
  /** The person's facts (linked account merged), for the checklist toward the next stage. */
  facts: MemberFacts;
}

/**
 * Congratulations held back by the one-message-an-hour rule: sent once the hour is over, pushed
 * back while it is not, dropped when the stage, the member or the guild's voice is gone.
 */
export function planDueCongratulations(
  ctx: GuildContext,
  due: DueCongratulation[],
  now: number,
): { writes: JourneyWrites; congratulated: number } {
  const writes = noWrites();
  let congratulated = 0;
  for (const d of due) {
    const row = { ...d.row };
    const stage = ctx.track.stages.find((s) => s.id === row.pendingStage);
    const wanted = stage !== undefined && !ctx.journey.silent && d.here;
    if (wanted && canContact(row, now)) {
      writes.items.push(congratsItem(ctx, row.memberId, stage, d.facts, now));
      row.lastContactAt = now;
      congratulated++;
    } else if (wanted) {
      row.pendingDueAt = (row.lastContactAt ?? now) + CONTACT_GAP_MS;
      writes.rows.push(row);
      continue;
    }
    row.pendingStage = null;
    row.pendingDueAt = null;
    writes.rows.push(row);
  }
  return { writes, congratulated };
}

/** What the community offers a silent newcomer right now. */
export interface InvitationFacts {
  /** The newest thread nobody but its opener wrote in (last 14 days). */
  openQuestion: ChannelRef | undefined;
  /** The busiest thread of the last 7 days. */
  busiestThread: (ChannelRef & { messages: number }) | undefined;
  /** The busiest topic channel (last 30 days). */
  topicChannel: ChannelRef | undefined;
}

/** A concrete invitation from the live community: an open question, the busiest thread, introductions. */
export function chooseInvitation(ctx: GuildContext, facts: InvitationFacts): Invitation | null {
  if (facts.openQuestion) return { kind: 'openQuestion', thread: facts.openQuestion };
  const busiest = facts.busiestThread;
  if (busiest && busiest.messages >= 3) {
    return {
      kind: 'busiestThread',
      thread: { channelId: busiest.channelId, name: busiest.name },
      messages: busiest.messages,
    };
  }
  if (ctx.places.introductions) return { kind: 'introductions', channel: ctx.places.introductions };
  const topic = facts.topicChannel;
  return topic ? { kind: 'channel', channel: { channelId: topic.channelId, name: topic.name } } : null;
}

export interface SilentNewcomer {
  row: JourneyRow;
  /** Facts to place a member on the track first (null when they already are on it). */
  progress: ProgressFacts | null;
}

/**
 * One nudge per silent newcomer and stage, never within the hour after another message, each with
 * the same invitation. Without any invitation, nobody is nudged.
 */
export function planNudges(
  ctx: GuildContext,
  newcomers: SilentNewcomer[],
  invitation: Invitation | null,
  now: number,
): { writes: JourneyWrites; nudged: number } {
  const writes = noWrites();
  let nudged = 0;
  for (const n of newcomers) {
    const row = { ...n.row };
    // A member placed on the track here keeps what placing them wrote (milestones, roles) even when
    // the nudge then waits: their row itself is saved with the nudge.
    if (row.stage === '' && n.progress) decideProgress(ctx, row, n.progress, now, now, writes);
    if (!canContact(row, now) || row.nudgedStage === row.stage) continue;
    if (!invitation) break;
    writes.items.push(
      item(ctx, `journey:nudge:${ctx.guildId}:${row.memberId}:${row.stage}`, {
        type: 'dm.send',
        memberId: asMemberId(row.memberId),
        body: renderNudge(row.memberId, ctx.serverName, invitation),
      }),
    );
    row.nudgedStage = row.stage;
    row.nudgedAt = now;
    row.lastContactAt = now;
    writes.rows.push(row);
    nudged++;
  }
  return { writes, nudged };
}
