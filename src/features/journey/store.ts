/**
 * Journey reads and writes on the hot path: per-member incremental state (one row, read and written
 * once per event), milestones, solved credits, and the core facts an event needs (its message, its
 * channel, the member). Guild-wide queries are in sweepStore.ts and placesStore.ts, export and
 * erasure in privacy.ts. Engine-neutral (src/db/database.ts): the statements (./statements.ts) are
 * prepared once per SQLite connection and run on the caller's handle (db/hotPath.ts).
 */
import type { Database } from '../../db/database.js';
import { hotQuery } from '../../db/hotPath.js';
import type { Platform } from '../../events.js';
import type { ChannelRef } from './compose.js';
import type { FirstPost } from './decide.js';
import type { Counters } from './evaluate.js';
import type { JourneyRow } from './row.js';
import * as s from './statements.js';

export { type JourneyRow, newJourneyRow } from './row.js';
export type { ChannelRef };

// ---------------------------------------------------------------------------------------------
// Per-member state (hot path)

export async function getJourney(db: Database, guildId: string, memberId: string): Promise<JourneyRow | undefined> {
  const row = await hotQuery<(Omit<JourneyRow, 'counters'> & { counters: unknown }) | undefined>(db, s.journeyRow, {
    guildId,
    memberId,
  });
  return row ? { ...row, counters: row.counters as Counters } : undefined;
}

export async function saveJourney(db: Database, row: JourneyRow, now: number): Promise<void> {
  await hotQuery<number>(db, s.upsertJourneyRow, { ...row, updatedAt: now });
}

/** A member's first post and who replied to it first (for the convener credit). */
export const firstPostOf = (db: Database, guildId: string, memberId: string) =>
  hotQuery<FirstPost | undefined>(db, s.firstPost, { guildId, memberId });

/**
 * A replied-to message's author and their first post (undefined: no journey row), in one read;
 * undefined when the message is not stored.
 */
export async function repliedTo(
  db: Database,
  guildId: string,
  messageId: string,
): Promise<{ authorId: string; firstPost: FirstPost | undefined } | undefined> {
  const row = await hotQuery<
    | {
        authorId: string;
        rowMemberId: string | null;
        firstMessageId: string | null;
        firstMessageChannelId: string | null;
        firstMessageOpensThread: boolean | null;
        firstReplyBy: string | null;
      }
    | undefined
  >(db, s.repliedTo, { guildId, messageId });
  if (!row) return undefined;
  const firstPost =
    row.rowMemberId === null
      ? undefined
      : {
          firstMessageId: row.firstMessageId,
          firstMessageChannelId: row.firstMessageChannelId,
          firstMessageOpensThread: row.firstMessageOpensThread ?? false,
          firstReplyBy: row.firstReplyBy,
        };
  return { authorId: row.authorId, firstPost };
}

/**
 * The member's presence (undefined: no member row) and journey row (undefined: none) in one read
 * when the member is stored (the common case), two otherwise.
 */
export async function memberAndJourney(
  db: Database,
  guildId: string,
  memberId: string,
): Promise<{ here: { leftAt: number | null; bot: boolean } | undefined; row: JourneyRow | undefined }> {
  const found = await hotQuery<
    | ({ leftAt: number | null; bot: boolean; rowMemberId: string | null } & Omit<
        JourneyRow,
        'guildId' | 'memberId' | 'counters'
      > & { counters: unknown })
    | undefined
  >(db, s.memberWithRow, { guildId, memberId });
  if (!found) return { here: undefined, row: await getJourney(db, guildId, memberId) };
  const { leftAt, bot, rowMemberId, counters, ...rest } = found;
  return {
    here: { leftAt, bot },
    row: rowMemberId === null ? undefined : { guildId, memberId, ...rest, counters: counters as Counters },
  };
}

/** Credit `by` as the first to reply to the member's first post; false when someone already was. */
export async function markFirstReply(db: Database, guildId: string, memberId: string, by: string): Promise<boolean> {
  return (await hotQuery<number>(db, s.markFirstReply, { guildId, memberId, by })) > 0;
}

export async function insertMilestones(
  db: Database,
  guildId: string,
  memberId: string,
  stages: string[],
  reachedAt: number,
): Promise<void> {
  for (const stage of stages) await hotQuery<number>(db, s.insertMilestone, { guildId, memberId, stage, reachedAt });
}

/** The stages the member has milestones for. */
export async function milestoneStages(db: Database, guildId: string, memberId: string): Promise<Set<string>> {
  const rows = await hotQuery<{ stage: string }[]>(db, s.milestoneStages, { guildId, memberId });
  return new Set(rows.map((r) => r.stage));
}

/** Whether an answer was already credited as solved (by a reaction, an acceptance or /solved). */
export async function isCredited(db: Database, guildId: string, messageId: string): Promise<boolean> {
  return (await hotQuery<unknown>(db, s.isCredited, { guildId, messageId })) !== undefined;
}

/** Credit an answer once; true when this is its first credit. */
export async function creditSolved(
  db: Database,
  credit: {
    guildId: string;
    messageId: string;
    memberId: string;
    byMemberId: string;
    via: 'reaction' | 'accepted';
    at: number;
  },
): Promise<boolean> {
  return (await hotQuery<number>(db, s.creditSolved, credit)) > 0;
}

// ---------------------------------------------------------------------------------------------
// Core facts the journey reads

export interface GuildRow {
  platform: Platform;
  name: string;
  /** The settings JSON as stored (compared to cache the parsed settings). */
  settingsText: string;
}

export async function guildRow(db: Database, guildId: string): Promise<GuildRow | undefined> {
  const row = await hotQuery<{ platform: Platform; name: string; settings: unknown } | undefined>(db, s.guildRow, {
    guildId,
  });
  if (!row) return undefined;
  // JSON text on SQLite (compared without parsing), an object on PostgreSQL (jsonb, written out
  // again: its key order is the stored one, so equal settings compare equal).
  const settingsText = typeof row.settings === 'string' ? row.settings : JSON.stringify(row.settings ?? {});
  return { platform: row.platform, name: row.name, settingsText };
}

export const messageInfo = (db: Database, guildId: string, messageId: string) =>
  hotQuery<{ authorId: string; channelId: string; replyToId: string | null } | undefined>(db, s.messageInfo, {
    guildId,
    messageId,
  });

export const channelInfo = (db: Database, guildId: string, channelId: string) =>
  hotQuery<{ kind: string; ownerId: string | null; parentId: string | null; name: string } | undefined>(
    db,
    s.channelInfo,
    { guildId, channelId },
  );

/** Whether a message was posted in `channelId` before `before` (so a message at `before` does not open it). */
export async function hasEarlierMessage(
  db: Database,
  guildId: string,
  channelId: string,
  before: number,
): Promise<boolean> {
  return (await hotQuery<unknown>(db, s.earlierInChannel, { guildId, channelId, before })) !== undefined;
}

export const coreMember = (db: Database, guildId: string, memberId: string) =>
  hotQuery<
    | { joinedAt: number | null; leftAt: number | null; bot: boolean; nudgesOff: boolean; displayName: string }
    | undefined
  >(db, s.coreMember, { guildId, memberId });
