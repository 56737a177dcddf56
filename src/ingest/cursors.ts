/**
 * Sync cursors (schema/sync.ts): how far each channel (Discord) or forum (Discourse) is known to be
 * stored. Backfills read from them and advance them; a checkpoint advances them while live.
 * Engine-neutral: the same functions run on SQLite and PostgreSQL (src/db/database.ts).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { GuildId, Millis } from '../events.js';

/** Every cursor of a guild: scope → synced-at. */
export async function readCursors(db: Database, guildId: GuildId): Promise<Map<string, Millis>> {
  const { syncCursors } = db.tables;
  const rows = await db
    .select({ scope: syncCursors.scope, syncedAt: syncCursors.syncedAt })
    .from(syncCursors)
    .where(eq(syncCursors.guildId, guildId));
  return new Map(rows.map((r) => [r.scope, r.syncedAt]));
}

export async function readCursor(db: Database, guildId: GuildId, scope: string): Promise<Millis | undefined> {
  const { syncCursors } = db.tables;
  const [row] = await db
    .select({ syncedAt: syncCursors.syncedAt })
    .from(syncCursors)
    .where(and(eq(syncCursors.guildId, guildId), eq(syncCursors.scope, scope)))
    .limit(1);
  return row?.syncedAt;
}

/**
 * Move cursors forward (never back: a slow backfill must not undo a later checkpoint). One statement,
 * so all of them move or none; a scope named twice moves to the later time.
 */
export async function advanceCursors(
  db: Database,
  guildId: GuildId,
  cursors: Iterable<readonly [scope: string, syncedAt: Millis]>,
  now: Millis,
): Promise<void> {
  const latest = new Map<string, Millis>();
  for (const [scope, syncedAt] of cursors) latest.set(scope, Math.max(syncedAt, latest.get(scope) ?? syncedAt));
  // PostgreSQL refuses one INSERT … ON CONFLICT that updates a row twice: hence one value per scope.
  if (latest.size === 0) return;
  const { syncCursors } = db.tables;
  await db
    .insert(syncCursors)
    .values([...latest].map(([scope, syncedAt]) => ({ guildId, scope, syncedAt, updatedAt: now })))
    .onConflictDoUpdate({
      target: [syncCursors.guildId, syncCursors.scope],
      set: { syncedAt: sql`excluded.synced_at`, updatedAt: sql`excluded.updated_at` },
      setWhere: sql`${syncCursors.syncedAt} < excluded.synced_at`,
    });
}
