/**
 * A crash at any point sends no action twice and loses none: the real bot runs as a child process,
 * is killed with SIGKILL in the middle of draining the outbox, and restarted.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { closeDatabase, transaction } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { enqueueOn } from '../../src/outbox/store.js';
import { type Community, makeCommunity, openStore, queryRows, spawnBot, startBot, waitFor } from './harness.js';

let community: Community | undefined;
let app: App | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const ACTIONS = 120;

describe('npm start against a Discord-compatible server', () => {
  it('GIVEN DISCORD_TOKEN, DISCORD_API_URL and DATABASE_URL THEN src/main.ts connects, registers, ingests and answers within 3 s', async () => {
    community = await makeCommunity();
    const bot = await spawnBot(community);
    children.push(bot);
    const { sandbox, guild, members, moderator } = community;
    expect(sandbox.commands().map((c) => c.name)).toEqual(expect.arrayContaining(['help', 'convene']));
    const help = await sandbox.runCommand(guild.id, guild.channels.general!, members.bob!, 'help');
    expect(help.ackMs).toBeLessThan(3000);
    expect(help.content).toContain('/privacy show');
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene status');
    expect(status.ackMs).toBeLessThan(3000);
    expect(status.content).toMatch(/Platforms: discord connected/);
    const said = sandbox.say(guild.id, guild.channels.general!, members.cyd!, 'hello from the e2e test');
    // A second connection reads the bot's database while it runs (SQLite's WAL): the message arrives there.
    const db = await openStore(community);
    const stored = await waitFor(
      async () => (await queryRows(db, 'SELECT message_id FROM messages WHERE message_id = ?', said.id))[0],
      10_000,
      'the message to be stored',
    ).finally(() => closeDatabase(db));
    expect(stored).toEqual({ message_id: said.id });
    bot.kill('SIGTERM');
    expect(await new Promise((resolve) => bot.once('exit', resolve))).toBe(0);
  }, 60_000);
});

describe('outbox across a crash', () => {
  it('GIVEN the bot is killed mid-drain THEN after a restart every action was sent exactly once', async () => {
    community = await makeCommunity({
      rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 1000, windowMs: 1000 } } },
    });
    // First start: creates the database and learns the guild.
    app = await startBot(community);
    await app.stop();
    app = undefined;
    const db = await openStore(community);
    const channelId = asChannelId(community.guild.channels.general!);
    await transaction(db, (tx) =>
      enqueueOn(
        tx,
        Array.from({ length: ACTIONS }, (_, i) => ({
          platform: 'discord' as const,
          guildId: asGuildId(community!.guild.id),
          key: `crash:${i}`,
          action: { type: 'message.send' as const, channelId, body: { content: `crash test ${i}` } },
        })),
        Date.now(),
      ),
    );
    await closeDatabase(db);

    const sent = () => community!.sandbox.messagesIn(channelId).filter((m) => m.content.startsWith('crash test'));
    const first = await spawnBot(community, { CONVENE_OUTBOX_LEASE: '1s' });
    children.push(first);
    await waitFor(() => sent().length >= 20, 20_000, 'the first sends');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const beforeRestart = sent().length;
    expect(beforeRestart).toBeLessThan(ACTIONS);

    const second = await spawnBot(community, { CONVENE_OUTBOX_LEASE: '1s' });
    children.push(second);
    await waitFor(() => sent().length >= ACTIONS, 30_000, 'every action sent');
    // Give a duplicate every chance to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));

    const contents = sent().map((m) => m.content);
    expect(contents).toHaveLength(ACTIONS);
    expect(new Set(contents).size).toBe(ACTIONS);
    const check = await openStore(community);
    const statuses = await queryRows(
      check,
      "SELECT status, count(*) AS n FROM outbox WHERE key LIKE 'crash:%' GROUP BY status",
    ).finally(() => closeDatabase(check));
    expect(statuses).toEqual([{ status: 'done', n: ACTIONS }]);
  }, 90_000);
});
