/**
 * Sync cursors (schema/sync.ts): how far each channel (Discord) or forum (Discourse) is known to be
 * stored. Backfills read from them and advance them; a checkpoint advances them while live.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { syncCursors } from '../db/schema.js';
import type { GuildId, Millis } from '../events.js';

/** Every cursor of a guild: scope → synced-at. */
export function readCursors(db: Db, guildId: GuildId): Map<string, Millis> {
  const rows = db
    .select({ scope: syncCursors.scope, syncedAt: syncCursors.syncedAt })
    .from(syncCursors)
    .where(eq(syncCursors.guildId, guildId))
    .all();
  return new Map(rows.map((r) => [r.scope, r.syncedAt]));
}

export function readCursor(db: Db, guildId: GuildId, scope: string): Millis | undefined {
  return db
    .select({ syncedAt: syncCursors.syncedAt })
    .from(syncCursors)
    .where(and(eq(syncCursors.guildId, guildId), eq(syncCursors.scope, scope)))
    .get()?.syncedAt;
}

/** Move cursors forward (never back: a slow backfill must not undo a later checkpoint), in one transaction. */
export function advanceCursors(
  db: Db,
  guildId: GuildId,
  cursors: Iterable<readonly [scope: string, syncedAt: Millis]>,
  now: Millis,
): void {
  db.transaction((tx) => {
    for (const [scope, syncedAt] of cursors) {
      tx.insert(syncCursors)
        .values({ guildId, scope, syncedAt, updatedAt: now })
        .onConflictDoUpdate({
          target: [syncCursors.guildId, syncCursors.scope],
          set: { syncedAt: sql`excluded.synced_at`, updatedAt: sql`excluded.updated_at` },
          setWhere: sql`${syncCursors.syncedAt} < excluded.synced_at`,
        })
        .run();
    }
  });
}
