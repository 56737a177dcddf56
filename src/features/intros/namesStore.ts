/** Names of members and channels, and a guild's platform: how messages name people and places. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, Platform } from '../../events.js';
import { chunk } from './chunk.js';

export async function memberNames(
  db: Database,
  guildId: GuildId,
  ids: readonly string[],
): Promise<Map<string, string>> {
  return new Map([...(await memberHandles(db, guildId, ids))].map(([id, h]) => [id, h.displayName]));
}

/** Display name and username of members (how to name them to someone on another platform). */
export async function memberHandles(
  db: Database,
  guildId: string,
  ids: readonly string[],
): Promise<Map<string, { displayName: string; username: string }>> {
  const { members } = db.tables;
  const out = new Map<string, { displayName: string; username: string }>();
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .select({ id: members.memberId, displayName: members.displayName, username: members.username })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, part)));
    for (const r of rows) out.set(r.id, { displayName: r.displayName, username: r.username });
  }
  return out;
}

export async function channelNames(
  db: Database,
  guildId: GuildId,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const { channels } = db.tables;
  const out = new Map<string, string>();
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .select({ id: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, part)));
    for (const r of rows) out.set(r.id, r.name);
  }
  return out;
}

export async function platformOf(db: Database, guildId: GuildId): Promise<Platform> {
  const { guilds } = db.tables;
  const [row] = await db.select({ platform: guilds.platform }).from(guilds).where(eq(guilds.id, guildId)).limit(1);
  return row?.platform ?? 'discord';
}
