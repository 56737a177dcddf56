/** Names of members and channels, and a guild's platform: how messages name people and places. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { channels, guilds, members } from '../../db/schema.js';
import type { GuildId, Platform } from '../../events.js';
import { chunk } from './chunk.js';

export function memberNames(db: Db, guildId: GuildId, ids: readonly string[]): Map<string, string> {
  return new Map([...memberHandles(db, guildId, ids)].map(([id, h]) => [id, h.displayName]));
}

/** Display name and username of members (how to name them to someone on another platform). */
export function memberHandles(
  db: Db,
  guildId: string,
  ids: readonly string[],
): Map<string, { displayName: string; username: string }> {
  const out = new Map<string, { displayName: string; username: string }>();
  for (const part of chunk(ids, 500)) {
    const rows = db
      .select({ id: members.memberId, displayName: members.displayName, username: members.username })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, part)))
      .all();
    for (const r of rows) out.set(r.id, { displayName: r.displayName, username: r.username });
  }
  return out;
}

export function channelNames(db: Db, guildId: GuildId, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of chunk(ids, 500)) {
    const rows = db
      .select({ id: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, part)))
      .all();
    for (const r of rows) out.set(r.id, r.name);
  }
  return out;
}

export function platformOf(db: Db, guildId: GuildId): Platform {
  return (
    db.select({ platform: guilds.platform }).from(guilds).where(eq(guilds.id, guildId)).get()?.platform ?? 'discord'
  );
}
