/**
 * Two real Convene processes (src/main.ts) on one database (of the run's engine), against the Discord and Discourse
 * emulators: process A runs the Discord shard of the server, process B the other shard, and the
 * forum's webhooks reach B (forum webhooks may reach any process). A moderator disconnects the forum
 * with a slash command, which process A answers; the next forum post reaches process B, which must
 * treat the forum as a community of its own from then on: a linked member's forum post no longer
 * moves their Discord journey.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../../src/db/database.js';
import { guildIdFor, userMemberId } from '../../../src/platforms/discourse/ids.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { shardOfGuild } from '../../../src/shards.js';
import { startShardProcesses } from '../../helpers/shardCluster.js';
import { botOutput, type Community, makeCommunity, openStore, queryRows, waitFor, withParams } from '../harness.js';
import { API_KEY, BOT, SECRET } from './harness.js';

const SHARDS = 2;
let community: Community | undefined;
let forum: DiscourseSandbox | undefined;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode !== null && child.exitCode !== 0)
      process.stderr.write(`--- a process exited with ${child.exitCode}:\n${botOutput(child).slice(-4000)}\n`);
  }
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const step of cleanups.splice(0)) await step();
  await community?.sandbox.close();
  await forum?.close();
  community = undefined;
  forum = undefined;
});

describe('a pairing changed in one process, heard by another', () => {
  it('GIVEN the forum is disconnected by a slash command process A answers THEN process B, which gets the next forum post, no longer merges it into the Discord journey', async () => {
    community = await makeCommunity();
    forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    const { sandbox, guild, members } = community;
    const shardA = shardOfGuild(guild.id, SHARDS);
    const shardB = 1 - shardA;
    const env = {
      DISCOURSE_URL: forum.url,
      DISCOURSE_API_KEY: API_KEY,
      DISCOURSE_API_USERNAME: BOT,
      DISCOURSE_WEBHOOK_SECRET: SECRET,
    };
    // Shard 0 starts first (it registers the commands).
    const layout = [[shardA], [shardB]].sort((x, y) => x[0]! - y[0]!);
    const started = await startShardProcesses(community, SHARDS, layout, env, children, 'shared');
    const b = started.find((p) => p.shards.includes(shardB))!;
    const db = await openStore(community);
    cleanups.push(() => closeDatabase(db));
    const forumGuild = guildIdFor(forum.url);

    const connected = await sandbox.runCommand(
      guild.id,
      guild.channels.general!,
      members.ada!,
      'convene forum connect',
    );
    expect(connected.content).toMatch(/one community/);
    // cyd is cyd_forum on the forum, linked (the link itself is tested in crossPlatform.test.ts).
    const cydForum = forum.createUser({ username: 'cyd_forum', name: 'Cyd' });
    await db.run(
      withParams(
        `INSERT INTO account_links (guild_id, member_id, other_guild_id, other_member_id, attempts, created_at, linked_at)
       VALUES (?, ?, ?, ?, 0, ?, ?)`,
        [guild.id, members.cyd!, forumGuild, userMemberId(cydForum.id), Date.now(), Date.now()],
      ),
    );
    forum.setWebhook({ url: `http://127.0.0.1:${b.port}/webhooks/discourse`, secret: SECRET });
    const help = forum.createCategory({ name: 'Help' }).id;

    const cydOnDiscord = async () =>
      (
        await queryRows(
          db,
          'SELECT updated_at AS at FROM journey_members WHERE guild_id = ? AND member_id = ?',
          guild.id,
          members.cyd!,
        )
      )[0] as { at: number } | undefined;
    const stored = async (postId: number) =>
      (
        await queryRows(
          db,
          'SELECT 1 AS one FROM messages WHERE guild_id = ? AND message_id = ?',
          forumGuild,
          String(postId),
        )
      )[0];

    // Paired: cyd's forum post, stored by B, moves cyd's one journey on both sides.
    const first = forum.createTopic({
      username: 'cyd_forum',
      title: 'Vulkan validation layers on Linux',
      raw: 'How do I turn on the vulkan validation layers on Linux?',
      categoryId: help,
    });
    await forum.flush();
    await waitFor(() => stored(first.post.id), 15_000, 'B to store the first forum post');
    await waitFor(() => cydOnDiscord(), 15_000, "B to merge the forum post into cyd's Discord journey");
    const mergedAt = (await cydOnDiscord())!.at;

    const disconnected = await sandbox.runCommand(
      guild.id,
      guild.channels.general!,
      members.ada!,
      'convene forum disconnect',
    );
    expect(disconnected.content).toMatch(/separate again/);
    expect(Number((await queryRows(db, 'SELECT count(*) AS n FROM community_pairs'))[0]!.n)).toBe(0);

    const second = forum.reply({ username: 'cyd_forum', topicId: first.topic.id, raw: 'Found it: VK_LAYER_PATH.' });
    await forum.flush();
    await waitFor(() => stored(second.id), 15_000, 'B to store the second forum post');
    expect((await cydOnDiscord())!.at).toBe(mergedAt);
  });
});
