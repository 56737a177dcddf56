/**
 * The bot on PostgreSQL (DATABASE_URL=postgres://…): the real app and discord.js against the Discord
 * emulator, on a real PostgreSQL 18 server (vitest's globalSetup).
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { databaseOf } from '../../src/commands.js';
import { testDatabase, testPostgresUrl } from '../helpers/engines.js';
import { type Community, join, makeCommunity, startBot, waitFor } from './harness.js';

let community: Community | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

/** The bot's own rows, read through its async store (PostgreSQL counts arrive as numbers). */
const count = async (a: App, table: string) => {
  const [row] = await databaseOf(a.deps).all<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${table}`));
  return Number(row?.n);
};

async function onPostgres(): Promise<{ url: string }> {
  await testDatabase('postgres');
  return { url: testPostgresUrl() };
}

describe('the bot on PostgreSQL', () => {
  it('GIVEN DATABASE_URL=postgres:// THEN it connects, registers its commands, stores the guild and welcomes a newcomer once', async () => {
    const { url } = await onPostgres();
    community = await makeCommunity();
    app = await startBot(community, { DATABASE_URL: url });
    expect(app.deps.database?.engine).toBe('postgres');
    expect(community.sandbox.commands().map((c) => c.name)).toEqual(
      expect.arrayContaining(['help', 'convene', 'privacy']),
    );
    await waitFor(async () => (await count(app!, 'members')) === 7, 10_000, 'the member list');
    const [guild] = await databaseOf(app.deps).all<{ name: string }>(sql`SELECT name FROM guilds`);
    expect(guild?.name).toBe('Shader Club');

    const fay = join(community, 'fay');
    const dm = await waitFor(() => community!.sandbox.dmsTo(fay)[0], 10_000, 'welcome DM');
    expect(dm.content).toContain('Shader Club');
    await app.stop();

    // A restart on the same database: no migration, no second welcome after the member list is read again.
    app = await startBot(community, { DATABASE_URL: url });
    await app.scheduler.tick(Date.now());
    for (const d of app.drains) await d.drainAll();
    expect(community.sandbox.dmsTo(fay)).toHaveLength(1);
  });

  it('GIVEN /convene status THEN it answers with the platforms and the size of the PostgreSQL database', async () => {
    const { url } = await onPostgres();
    community = await makeCommunity();
    app = await startBot(community, { DATABASE_URL: url });
    await app.scheduler.tick(Date.now());
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.moderator,
      'convene status',
    );
    expect(result.ephemeral).toBe(true);
    expect(result.content).toContain('Platforms: discord connected');
    expect(result.content).toMatch(/Database: \d+(\.\d+)? MB/);
  });

  it('GIVEN a PostgreSQL server that does not answer THEN start-up stops with one line naming DATABASE_URL', async () => {
    community = await makeCommunity();
    const error = await startBot(community, { DATABASE_URL: 'postgres://convene:s3cret@127.0.0.1:1/convene' }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^DATABASE_URL: could not connect to PostgreSQL \(convene on 127\.0\.0\.1:1\): /);
    expect(error?.message).not.toContain('s3cret');
    expect(error?.message).not.toContain('\n');
  });
});
