/**
 * Moving a member along the track (pure): given their row and the facts around it (their linked
 * account, whether they are still here, the milestones already recorded), which stages they reach,
 * which roles and which congratulation follow, and what their rows become. Plain data in and out,
 * `at` (the event's time) and `now` (the bot's clock) passed in.
 */
import type { OutboxItem } from '../../actions.js';
import { asChannelId, asMemberId, asRoleId } from '../../events.js';
import { renderCongrats } from './compose.js';
import { type Evaluation, evaluate, type MemberFacts, meets, mergeFacts, progressOf } from './evaluate.js';
import { type GuildContext, contextItem as item } from './guild.js';
import { type JourneyRow, newJourneyRow } from './row.js';
import { type Stage, stageIndex, type Track } from './track.js';

const HOUR = 3_600_000;
/** At most one message from the journey to a member per hour. */
export const CONTACT_GAP_MS = HOUR;
/** Events older than this are history (a backfill, a long outage): milestones and roles, no messages. */
export const STALE_MS = 24 * HOUR;

export const canContact = (row: Pick<JourneyRow, 'lastContactAt'>, now: number) =>
  row.lastContactAt === null || now - row.lastContactAt >= CONTACT_GAP_MS;

/** The member's linked account on the other platform of a paired community, as stored. */
export interface LinkedAccount {
  guildId: string;
  memberId: string;
  /** That guild as the journey sees it; null when it is not set up. */
  ctx: GuildContext | null;
  /** Its journey row; undefined when it has none yet. */
  row: JourneyRow | undefined;
}

/** What moving one member needs besides their own row. */
export interface ProgressFacts {
  other: LinkedAccount | null;
  /** The member in the core table: gone or a bot gets no congratulation. */
  here: { leftAt: number | null; bot: boolean } | undefined;
  /** Stages already recorded as the member's milestones. */
  milestones: ReadonlySet<string>;
}

/** What a journey decision writes: rows to save, milestones to record, Actions to enqueue. */
export interface JourneyWrites {
  rows: JourneyRow[];
  milestones: { guildId: string; memberId: string; stages: string[]; at: number }[];
  items: OutboxItem[];
}

/** Extra writes some journey decisions make besides rows, milestones and Actions. */
export interface MarkWrites {
  /** Credit `by` as the first to reply to `memberId`'s first post. */
  firstReply?: { memberId: string; by: string } | null;
  /** Count an answer as solved once (journeySolved). */
  solved?: {
    messageId: string;
    memberId: string;
    byMemberId: string;
    via: 'reaction' | 'accepted';
    at: number;
  } | null;
}

export const noWrites = (): JourneyWrites => ({ rows: [], milestones: [], items: [] });

/**
 * What the journey knows of the person behind `row`: their own counters, plus those of their linked
 * account (one person, one journey).
 */
export function personFacts(row: Pick<JourneyRow, 'joinedAt' | 'counters'>, other: LinkedAccount | null): MemberFacts {
  const own = { joinedAt: row.joinedAt, counters: row.counters };
  if (!other) return own;
  return mergeFacts(own, other.row ? { joinedAt: other.row.joinedAt, counters: other.row.counters } : null);
}

/**
 * Evaluate the member at `at` (mutating `row`, which the caller owns and saves): record any stage
 * reached, with its role and congratulation. A linked member's other account is evaluated on the
 * same facts right after (its own track, roles/groups there), quietly: the person is congratulated
 * once, where the event happened. The other account's row is added to `out.rows` here.
 */
export function decideProgress(
  ctx: GuildContext,
  row: JourneyRow,
  facts: ProgressFacts,
  at: number,
  now: number,
  out: JourneyWrites,
): void {
  const merged = personFacts(row, facts.other);
  const evaluation = evaluate(ctx.track, merged, row.stage || null, at);
  advance(ctx, row, evaluation, merged, facts.here, at, now, out, false);
  // An optional stage passed by (a member who posted before introducing themselves) is still a
  // milestone when its criteria are met later: recorded, with its role, but the stage stays.
  const recorded = new Set([...facts.milestones, ...evaluation.reached.map((s) => s.id)]);
  for (let i = 0; i < evaluation.index; i++) {
    const stage = ctx.track.stages[i]!;
    if (!stage.optional || !meets(merged, stage, at) || recorded.has(stage.id)) continue;
    recorded.add(stage.id);
    out.milestones.push({ guildId: ctx.guildId, memberId: row.memberId, stages: [stage.id], at });
    if (stage.roleId && !ctx.track.removePreviousRole) {
      out.items.push(
        item(ctx, `journey:role:${ctx.guildId}:${row.memberId}:${stage.id}:${stage.roleId}:add`, {
          type: 'role.add',
          memberId: asMemberId(row.memberId),
          roleId: asRoleId(stage.roleId),
          reason: `Journey: reached ${stage.name}`,
        }),
      );
    }
  }
  const other = facts.other;
  if (other?.ctx) {
    const otherRow = { ...(other.row ?? newJourneyRow(other.ctx.guildId, other.memberId, '', at, null)) };
    decideMirrored(other.ctx, otherRow, row, at, now, out);
    out.rows.push(otherRow);
  }
}

/** Evaluate a linked account (mutating `row`) on the merged facts: the triggering row as it is now. */
export function decideMirrored(
  ctx: GuildContext,
  row: JourneyRow,
  trigger: Pick<JourneyRow, 'joinedAt' | 'counters'>,
  at: number,
  now: number,
  out: JourneyWrites,
): void {
  const facts = mergeFacts(
    { joinedAt: row.joinedAt, counters: row.counters },
    { joinedAt: trigger.joinedAt, counters: trigger.counters },
  );
  advance(ctx, row, evaluate(ctx.track, facts, row.stage || null, at), facts, undefined, at, now, out, true);
}

function advance(
  ctx: GuildContext,
  row: JourneyRow,
  evaluation: Evaluation,
  facts: MemberFacts,
  here: ProgressFacts['here'],
  at: number,
  now: number,
  out: JourneyWrites,
  /** Milestones and roles only, no congratulation (a linked account moved by the other's event). */
  silently: boolean,
): void {
  if (evaluation.reached.length === 0) return;
  const before = stageIndex(ctx.track, row.stage || null);
  out.milestones.push({
    guildId: ctx.guildId,
    memberId: row.memberId,
    stages: evaluation.reached.map((s) => s.id),
    at,
  });
  row.stage = evaluation.stage.id;
  row.stageAt = at;
  out.items.push(...roleItems(ctx, row.memberId, before, evaluation));

  const quiet =
    silently ||
    evaluation.recomputed ||
    evaluation.index === 0 ||
    row.joinedAt === null ||
    now - at > STALE_MS ||
    ctx.journey.silent;
  if (quiet) return;
  if (here?.leftAt != null || here?.bot) return;
  if (canContact(row, now)) {
    out.items.push(congratsItem(ctx, row.memberId, evaluation.stage, facts, now));
    row.lastContactAt = now;
    row.pendingStage = null;
    row.pendingDueAt = null;
  } else {
    // Merge: one congratulation, for the highest stage, once the hour since the last message is over.
    row.pendingStage = evaluation.stage.id;
    row.pendingDueAt = (row.lastContactAt ?? now) + CONTACT_GAP_MS;
  }
}

/** The role that the stages up to `index` give when only one journey role is held at a time. */
function roleUpTo(track: Track, index: number): string | null {
  for (let i = index; i >= 0; i--) {
    const roleId = track.stages[i]?.roleId;
    if (roleId) return roleId;
  }
  return null;
}

export function roleItems(ctx: GuildContext, memberId: string, before: number, evaluation: Evaluation): OutboxItem[] {
  const member = asMemberId(memberId);
  const base = `journey:role:${ctx.guildId}:${memberId}`;
  const reason = `Journey: reached ${evaluation.stage.name}`;
  if (ctx.track.removePreviousRole) {
    const held = roleUpTo(ctx.track, before);
    const target = roleUpTo(ctx.track, evaluation.index);
    if (!target || target === held) return [];
    const out = [
      item(ctx, `${base}:${evaluation.stage.id}:${target}:add`, {
        type: 'role.add',
        memberId: member,
        roleId: asRoleId(target),
        reason,
      }),
    ];
    if (held) {
      out.push(
        item(ctx, `${base}:${evaluation.stage.id}:${held}:remove`, {
          type: 'role.remove',
          memberId: member,
          roleId: asRoleId(held),
          reason,
        }),
      );
    }
    return out;
  }
  return evaluation.reached
    .filter((s) => s.roleId)
    .map((s) =>
      item(ctx, `${base}:${s.id}:${s.roleId}:add`, {
        type: 'role.add',
        memberId: member,
        roleId: asRoleId(s.roleId!),
        reason: `Journey: reached ${s.name}`,
      }),
    );
}

/** The congratulation for reaching `stage`, with the checklist toward the next one (on `facts`). */
export function congratsItem(
  ctx: GuildContext,
  memberId: string,
  stage: Stage,
  facts: MemberFacts,
  now: number,
): OutboxItem {
  const index = stageIndex(ctx.track, stage.id);
  const next = ctx.track.stages[index + 1] ?? null;
  const body = renderCongrats({
    memberId,
    serverName: ctx.serverName,
    stage,
    next,
    progress: next ? progressOf(facts, next, now) : [],
    places: ctx.places,
  });
  const key = `journey:milestone:${ctx.guildId}:${memberId}:${stage.id}`;
  const c = ctx.journey.congratulate;
  if (c.via === 'channel' && c.channelId) {
    return item(ctx, key, { type: 'message.send', channelId: asChannelId(c.channelId), body });
  }
  return item(ctx, key, { type: 'dm.send', memberId: asMemberId(memberId), body });
}
