/**
 * Seam of the port (src/db/database.ts legacyDb): the two journey operations other features still
 * call inside their synchronous SQLite transactions, /solved picking an answer (questions/solve.ts)
 * and two accounts being linked (links/service.ts). They decide with the same pure functions as
 * events.ts; only their reads and writes use the synchronous API, so that they stay inside the
 * caller's transaction. Delete this file once those callers await recordAnswerPicked and
 * syncJourneys of events.ts with their transaction's handle.
 */
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { channels, guilds, journeyMembers, journeyMilestones, journeySolved, members } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { settingsSchema } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { type Account, counterpart } from '../links/identity.js';
import type { ChannelRef } from './compose.js';
import { type Credit, decideCredit, decideSync } from './decide.js';
import type { Counters } from './evaluate.js';
import type { GuildContext } from './guild.js';
import type { JourneyWrites, LinkedAccount, MarkWrites, ProgressFacts } from './progress.js';
import { type JourneyRow, newJourneyRow } from './row.js';

// The same names as context.ts: the same channels are found.
const INTRO_NAMES = ['intro'];
const HELP_NAMES = ['help', 'question', 'support'];

function channelNamed(db: Db, guildId: string, patterns: string[]): ChannelRef | undefined {
  return db
    .select({ channelId: channels.channelId, name: channels.name })
    .from(channels)
    .where(
      and(
        eq(channels.guildId, guildId),
        inArray(channels.kind, ['text', 'forum']),
        or(...patterns.map((pattern) => sql`lower(${channels.name}) like ${`%${pattern}%`}`)),
      ),
    )
    .orderBy(asc(channels.name))
    .limit(1)
    .get();
}

/** The guild as context.ts loads it (not cached: these operations are rare). */
function loadContext(db: Db, guildId: GuildId): GuildContext | null {
  const guild = db
    .select({ platform: guilds.platform, name: guilds.name, settings: sql<string>`${guilds.settings}` })
    .from(guilds)
    .where(eq(guilds.id, guildId))
    .get();
  if (!guild) return null;
  const settings = settingsSchema.parse(JSON.parse(String(guild.settings) || '{}'));
  const configured = settings.journey.introductionsChannelId;
  const byId = configured
    ? db
        .select({ channelId: channels.channelId, name: channels.name })
        .from(channels)
        .where(and(eq(channels.guildId, guildId), eq(channels.channelId, configured)))
        .get()
    : undefined;
  return {
    guildId,
    platform: guild.platform,
    serverName: guild.name,
    settings,
    journey: settings.journey,
    track: settings.journey.track,
    places: {
      introductions: configured
        ? (byId ?? { channelId: configured, name: 'introductions' })
        : (channelNamed(db, guildId, INTRO_NAMES) ?? null),
      help: channelNamed(db, guildId, HELP_NAMES) ?? null,
    },
  };
}

function getJourney(db: Db, guildId: string, memberId: string): JourneyRow | undefined {
  const row = db
    .select()
    .from(journeyMembers)
    .where(and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.memberId, memberId)))
    .get();
  if (!row) return undefined;
  const { updatedAt: _updatedAt, ...state } = row;
  return { ...state, counters: state.counters as Counters };
}

function linkedAccount(db: Db, guildId: string, memberId: string): LinkedAccount | null {
  const other = counterpart(db, guildId, memberId);
  if (!other) return null;
  return {
    guildId: other.guildId,
    memberId: other.memberId,
    ctx: loadContext(db, other.guildId as GuildId),
    row: getJourney(db, other.guildId, other.memberId),
  };
}

function progressFacts(db: Db, ctx: GuildContext, memberId: string): ProgressFacts {
  const here = db
    .select({ leftAt: members.leftAt, bot: members.bot })
    .from(members)
    .where(and(eq(members.guildId, ctx.guildId), eq(members.memberId, memberId)))
    .get();
  return {
    other: linkedAccount(db, ctx.guildId, memberId),
    here,
    milestones: ctx.track.stages.some((s) => s.optional)
      ? new Set(
          db
            .select({ stage: journeyMilestones.stage })
            .from(journeyMilestones)
            .where(and(eq(journeyMilestones.guildId, ctx.guildId), eq(journeyMilestones.memberId, memberId)))
            .all()
            .map((r) => r.stage),
        )
      : new Set<string>(),
  };
}

function writeJourney(db: Db, guildId: GuildId, writes: JourneyWrites & MarkWrites, now: number): number {
  if (writes.solved)
    db.insert(journeySolved)
      .values({ guildId, ...writes.solved })
      .onConflictDoNothing()
      .run();
  if (writes.firstReply) {
    db.update(journeyMembers)
      .set({ firstReplyBy: writes.firstReply.by })
      .where(
        and(
          eq(journeyMembers.guildId, guildId),
          eq(journeyMembers.memberId, writes.firstReply.memberId),
          isNull(journeyMembers.firstReplyBy),
        ),
      )
      .run();
  }
  for (const m of writes.milestones) {
    for (const stage of m.stages) {
      db.insert(journeyMilestones)
        .values({ guildId: m.guildId, memberId: m.memberId, stage, reachedAt: m.at })
        .onConflictDoNothing()
        .run();
    }
  }
  for (const row of writes.rows) {
    const { guildId: _g, memberId: _m, ...state } = row;
    db.insert(journeyMembers)
      .values({ ...row, updatedAt: now })
      .onConflictDoUpdate({
        target: [journeyMembers.guildId, journeyMembers.memberId],
        set: { ...state, updatedAt: now },
      })
      .run();
  }
  return writes.items.length > 0 ? enqueue(db, writes.items, now) : 0;
}

/** events.ts syncJourneys, in the caller's synchronous transaction. */
export function syncJourneysSync(db: Db, discord: Account, forum: Account, now: number): number {
  return db.transaction(() => {
    const side = (a: Account) => ({
      account: a,
      ctx: loadContext(db, a.guildId as GuildId),
      row: getJourney(db, a.guildId, a.memberId),
    });
    return writeJourney(db, discord.guildId as GuildId, decideSync(side(discord), side(forum), now), now);
  });
}
