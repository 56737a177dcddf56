/**
 * A links world on either engine: the Database the ported code uses, and Deps whose synchronous
 * `db` is the same SQLite connection (legacyDb) or, on PostgreSQL, a handle that refuses every use
 * by name: a seam of the port reached on PostgreSQL fails loudly instead of writing elsewhere.
 */
import type { Deps, ForumProbeResult } from '../../../src/commands.js';
import type { Config } from '../../../src/config.js';
import type { Db } from '../../../src/db/connection.js';
import { type Database, legacyDb, NotPortedError } from '../../../src/db/database.js';
import { createLogger } from '../../../src/log.js';
import { type Engine, testDatabase } from '../../helpers/engines.js';

/** deps.db on PostgreSQL: any use names what is not ported yet. */
const refusingDb = (): Db =>
  new Proxy({} as Db, {
    get(_t, prop) {
      throw new NotPortedError(`deps.db.${String(prop)} (the synchronous SQLite handle)`);
    },
  });

export async function linksWorld(
  engine: Engine,
  config: Config,
  now: number,
  probeForum?: () => Promise<ForumProbeResult>,
): Promise<{ database: Database; deps: Deps }> {
  const database = await testDatabase(engine);
  const deps: Deps = {
    db: engine === 'sqlite' ? legacyDb(database) : refusingDb(),
    database,
    config,
    log: createLogger('silent'),
    status: { startedAt: now, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
    ...(probeForum ? { probeForum } : {}),
  };
  return { database, deps };
}

/** Guild and member rows as ingest stores them (the fields these features read). */
export async function seedMembers(
  db: Database,
  guild: { id: string; platform: 'discord' | 'discourse'; name: string },
  people: readonly (readonly [memberId: string, username: string])[],
  at: number,
): Promise<void> {
  const { guilds, members } = db.tables;
  await db.insert(guilds).values({ ...guild, createdAt: at, updatedAt: at });
  if (people.length === 0) return;
  await db.insert(members).values(
    people.map(([memberId, username]) => ({
      guildId: guild.id,
      memberId,
      username,
      displayName: username,
      joinedAt: at,
      updatedAt: at,
    })),
  );
}
