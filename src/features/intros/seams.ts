/**
 * Where intros still reaches synchronous code of other areas (through legacyDb: on SQLite the same
 * connection, inside the caller's transaction; on PostgreSQL NotPortedError). Each goes when the
 * async twin lands on main (readSettings, changeSettings, enqueueOn).
 */
import type { OutboxItem } from '../../actions.js';
import { type Database, legacyDb } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { type GuildSettings, getSettings, updateSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';

export async function settingsOf(db: Database, guildId: GuildId): Promise<GuildSettings> {
  return getSettings(legacyDb(db), guildId);
}

export async function changeIntrosSettings(
  db: Database,
  guildId: GuildId,
  actorId: MemberId,
  action: string,
  change: (current: GuildSettings) => GuildSettings,
  now: number,
): Promise<GuildSettings> {
  return updateSettings(legacyDb(db), guildId, actorId, action, change, now);
}

export async function enqueueIn(tx: Database, items: readonly OutboxItem[], now: number): Promise<number> {
  return enqueue(legacyDb(tx), items, now);
}
