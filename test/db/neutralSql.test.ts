/**
 * The SQL forms the store uses where SQLite and PostgreSQL differ, run on both engines:
 * `IS DISTINCT FROM excluded.x` (ingest's "update only when something changed", NULLs included)
 * and boolean tests written as `NOT coalesce(bot, FALSE)` / `archived = FALSE` (not `= 0`).
 */
import { eq, inArray, sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

describe.each(ENGINES)('engine-neutral SQL on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  /** The channel upsert's shape: a row is rewritten only when its topic changed, NULL included. */
  async function upsertTopic(topic: string | null, at: number): Promise<number> {
    const { channels } = db.tables;
    const rows = await db
      .insert(channels)
      .values({ guildId: 'g', channelId: 'c', name: 'help', kind: 'text', topic, createdAt: 1, updatedAt: at })
      .onConflictDoUpdate({
        target: [channels.guildId, channels.channelId],
        set: { topic: sql`excluded.topic`, updatedAt: sql`excluded.updated_at` },
        setWhere: sql`${channels.topic} IS DISTINCT FROM excluded.topic`,
      })
      .returning({ at: channels.updatedAt });
    return rows.length;
  }

  it('GIVEN IS DISTINCT FROM excluded THEN only a real change (NULL to text, text to NULL) rewrites the row', async () => {
    expect(await upsertTopic(null, 1)).toBe(1);
    expect(await upsertTopic(null, 2)).toBe(0);
    expect(await upsertTopic('rust', 3)).toBe(1);
    expect(await upsertTopic('rust', 4)).toBe(0);
    expect(await upsertTopic(null, 5)).toBe(1);
    const { channels } = db.tables;
    expect(await db.select({ at: channels.updatedAt }).from(channels)).toEqual([{ at: 5 }]);
  });

  it('GIVEN booleans tested as NOT coalesce(x, FALSE) and x = FALSE THEN humans and open threads are found', async () => {
    const { members, channels } = db.tables;
    const member = (memberId: string, bot: boolean) => ({
      guildId: 'g',
      memberId,
      username: memberId,
      displayName: memberId,
      bot,
      updatedAt: 1,
    });
    await db.insert(members).values([member('ann', false), member('botty', true)]);
    const thread = (channelId: string, archived: boolean) => ({
      guildId: 'g',
      channelId,
      name: channelId,
      kind: 'thread',
      archived,
      createdAt: 1,
      updatedAt: 1,
    });
    await db.insert(channels).values([thread('open', false), thread('closed', true)]);
    const humans = await db
      .select({ id: members.memberId })
      .from(members)
      .where(sql`NOT coalesce(${members.bot}, FALSE)`);
    expect(humans).toEqual([{ id: 'ann' }]);
    const open = await db.all<{ id: string }>(
      sql`SELECT t.channel_id AS id FROM channels t WHERE t.guild_id = ${'g'} AND t.archived = FALSE`,
    );
    expect(open).toEqual([{ id: 'open' }]);
    const [bot] = await db.select({ bot: members.bot }).from(members).where(eq(members.memberId, 'botty'));
    expect(bot).toEqual({ bot: true });
    expect(engine).toBe(db.engine);
  });

  it('GIVEN a query built from another query (subquery) and a count THEN both run through the handle', async () => {
    const { members, syncCursors } = db.tables;
    await db
      .insert(members)
      .values({ guildId: 'g', memberId: 'ann', username: 'ann', displayName: 'Ann', updatedAt: 1 });
    await db.insert(syncCursors).values([
      { guildId: 'g', scope: 'ann', syncedAt: 1, updatedAt: 1 },
      { guildId: 'g', scope: 'nobody', syncedAt: 1, updatedAt: 1 },
    ]);
    const scopes = await db
      .select({ scope: syncCursors.scope })
      .from(syncCursors)
      .where(inArray(syncCursors.scope, db.select({ id: members.memberId }).from(members)));
    expect(scopes).toEqual([{ scope: 'ann' }]);
    expect(await db.$count(syncCursors, eq(syncCursors.guildId, 'g'))).toBe(2);
  });
});
