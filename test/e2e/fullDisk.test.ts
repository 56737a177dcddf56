/**
 * A full disk loses nothing silently: the real bot against the Discord emulator on a real SQLite file
 * whose growth is capped (`PRAGMA max_page_count`: SQLite answers SQLITE_FULL, as on a full disk).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { IngestorOptions } from '../../src/ingest/ingestor.js';
import { backfilled, type Community, join, makeCommunity, rows, startBot, waitFor } from './harness.js';

let community: Community | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

async function health(bot: App): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${bot.httpPort}/healthz`);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The real bot, caught up, then its database file capped at its current size; members talk in #general
 * until `full` says the outage is on. Returns the ids of what they said.
 */
async function fillTheDisk(ingest: Partial<IngestorOptions>, full: (bot: App) => Promise<boolean>) {
  community = await makeCommunity();
  const { sandbox, guild, members } = community;
  const startedAt = Date.now();
  app = await startBot(community, {}, undefined, { ingest: { retryMinMs: 50, retryMaxMs: 400, ...ingest } });
  await backfilled(app, startedAt);
  const sqlite = app.deps.db.$client;
  sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true })}`);
  const said: string[] = [];
  await until(
    async () => {
      for (let i = 0; i < 20; i++) {
        said.push(sandbox.say(guild.id, guild.channels.general!, members.bob!, `message ${said.length} on vulkan`).id);
      }
      return full(app!);
    },
    20_000,
    'the database to refuse writes',
  );
  return { said, bot: app, freeDisk: () => sqlite.pragma('max_page_count = 1073741823') };
}

describe('a full disk', () => {
  it('GIVEN the database file cannot grow THEN /healthz and /convene status say so, and once it can, every message is stored and every newcomer welcomed once', async () => {
    const { said, bot, freeDisk } = await fillTheDisk({}, async (b) => (await health(b)).code === 503);
    const { sandbox, guild, members, moderator } = community!;
    const down = await health(bot);
    expect(down.body).toMatchObject({ ok: false, problems: { database: expect.stringMatching(/refuses writes/) } });
    console.info(`/healthz during the outage: ${JSON.stringify(down.body.problems)}`);

    // People join while the disk is full.
    const newcomers = ['fay', 'gus', 'hal'].map((name) => join(community!, name));
    for (let i = 0; i < 40; i++) {
      said.push(sandbox.say(guild.id, guild.channels.help!, members.cyd!, `help message ${i} about descriptors`).id);
    }
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene status');
    console.info(`/convene status during the outage:\n${status.content}`);
    expect(status.content).toMatch(/⚠️ The database refuses writes \(database or disk is full\)/);
    expect(newcomers.flatMap((id) => sandbox.dmsTo(id))).toEqual([]);

    // Space comes back.
    freeDisk();
    await until(async () => (await health(bot)).code === 200, 20_000, '/healthz to turn 200');
    for (const id of newcomers) await waitFor(() => sandbox.dmsTo(id).length > 0, 15_000, `a welcome for ${id}`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(newcomers.map((id) => sandbox.dmsTo(id).length)).toEqual([1, 1, 1]);
    const stored = new Set((await rows(bot, 'SELECT message_id FROM messages')).map((r) => String(r.message_id)));
    expect(said.filter((id) => !stored.has(id))).toEqual([]);
    expect(bot.deps.status.problems?.database).toBeUndefined();
  }, 90_000);

  it('GIVEN more events than memory keeps THEN the rest is a gap that the backfill after recovery reads again', async () => {
    const { said, bot, freeDisk } = await fillTheDisk({ retryLimit: 5 }, async (b) =>
      /did not fit/.test(b.deps.status.problems?.database ?? ''),
    );
    const { sandbox, guild, members } = community!;
    const newcomers = ['ida', 'jon'].map((name) => join(community!, name));
    for (let i = 0; i < 20; i++) said.push(sandbox.say(guild.id, guild.channels.help!, members.cyd!, `more ${i}`).id);
    const problem = bot.deps.status.problems?.database;
    console.info(`/healthz problem with a gap: ${problem}`);
    expect(problem).toMatch(
      /5 new events are kept in memory and retried; \d+ more did not fit and will be read again from Discord once writes work/,
    );

    const recoveredAt = Date.now();
    freeDisk();
    await backfilled(bot, recoveredAt);
    const stored = new Set((await rows(bot, 'SELECT message_id FROM messages')).map((r) => String(r.message_id)));
    expect(said.filter((id) => !stored.has(id))).toEqual([]);
    for (const id of newcomers) await waitFor(() => sandbox.dmsTo(id).length > 0, 15_000, `a welcome for ${id}`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(newcomers.map((id) => sandbox.dmsTo(id).length)).toEqual([1, 1]);
  }, 90_000);
});
