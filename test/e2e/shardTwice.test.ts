/**
 * An environment mistake: two Convene processes both given shard 0 (DISCORD_SHARDS=0 twice) on one
 * database. Discord lets both sessions hear the same events. Before the interaction claim, both ran
 * each command: `/convene forum rotate-secret` made two secrets and showed the moderator one that was
 * not kept (measured: 2 rotations, shown != stored). Now one process runs each interaction, the other
 * says in /healthz that two processes run the same shards; welcomes and stored messages stay single.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import { openDb } from '../../src/db/connection.js';
import { sqliteDatabase } from '../../src/db/database.js';
import { forumOfGuild } from '../../src/features/links/forumStore.js';
import { connectOwnForum, openForumSecrets } from '../../src/features/links/forums.js';
import { createLogger } from '../../src/log.js';
import { startShardProcesses } from '../helpers/shardCluster.js';
import type { Community } from './harness.js';
import { botOutput, join, makeCommunity, waitFor } from './harness.js';

let community: Community | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode !== null && child.exitCode !== 0)
      process.stderr.write(`--- a process exited with ${child.exitCode}:\n${botOutput(child).slice(-4000)}\n`);
  }
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await community?.sandbox.close();
  community = undefined;
});

describe('two processes given the same shard', () => {
  it('GIVEN DISCORD_SHARDS=0 in two processes on one database THEN each command runs once (the secret shown is the one kept), a newcomer is welcomed once, a message stored once, and /healthz says what is wrong', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    const secretKey = randomBytes(32);
    const processes = await startShardProcesses(
      community,
      1,
      [[0], [0]],
      { LOG_LEVEL: 'debug', CONVENE_SECRET_KEY: secretKey.toString('base64') },
      children,
      'shared',
    );
    expect(sandbox.connectedSessions).toBe(2);

    const fay = join(community, 'fay');
    await waitFor(() => sandbox.dmsTo(fay)[0], 15_000, 'welcome DM');
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, members.ada!, 'convene status');
    expect(status.content).toContain('Convene status');
    const said = sandbox.say(guild.id, guild.channels.general!, members.bob!, 'How do I bake light probes?');
    const db = openDb(community.dbPath);
    try {
      await waitFor(
        () => db.$client.prepare('SELECT 1 FROM messages WHERE message_id = ?').get(said.id),
        10_000,
        'the message stored',
      );
      // A forum connected by command (its probe is ours: the forum is never called), then a new secret.
      const deps: Deps = {
        db,
        config: loadConfig({ CONVENE_SECRET_KEY: secretKey.toString('base64') }),
        log: createLogger('silent'),
        status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
        wakeOutbox: () => {},
        probeForum: async () => ({ ok: true, title: 'Forum Example' }),
      };
      await connectOwnForum(
        deps,
        guild.id,
        members.ada!,
        { url: 'https://forum.example', apiUsername: 'convene', apiKey: 'a-real-looking-api-key-0001' },
        Date.now(),
      );
      const rotated = await sandbox.runCommand(
        guild.id,
        guild.channels.general!,
        members.ada!,
        'convene forum rotate-secret',
      );
      const shown = /`([0-9a-f]{64})`/.exec(rotated.content)?.[1];
      // Time for a second welcome or a second answer to arrive, were there one.
      await new Promise((r) => setTimeout(r, 3_000));
      const stored = db.$client.prepare('SELECT count(*) AS n FROM messages WHERE message_id = ?').get(said.id);
      const answers = sandbox.interactions.filter((i) => i.name === '/convene status');
      console.log(
        `two sessions on shard 0: welcomes ${sandbox.dmsTo(fay).length}, answers ${answers.length} (acknowledged ${answers.filter((a) => a.acknowledgedAt).length}), failed interactions ${sandbox.failedInteractions.length}, stored ${JSON.stringify(stored)}`,
      );
      const failed = processes.flatMap((p) => p.log().filter((l) => l.msg === 'interaction failed'));
      expect(failed.map((l) => JSON.stringify(l.err).slice(0, 200))).toEqual([]);
      // A process that found an interaction taken says why, in its log and its /healthz.
      const problems = await Promise.all(
        processes.map(async (p) => {
          const health = (await (await fetch(`http://127.0.0.1:${p.port}/healthz`)).json()) as {
            problems?: Record<string, string>;
          };
          return health.problems?.['shared-shards'];
        }),
      );
      const sentences = problems.filter((p) => p !== undefined);
      console.log(`[operator reads in /healthz] ${sentences[0]}`);
      // Whichever lost an interaction (one, or both when each won one).
      expect(sentences.length).toBeGreaterThan(0);
      for (const sentence of sentences)
        expect(sentence).toMatch(/two processes run the same shards\. Give each process its own DISCORD_SHARDS/);
      const rotations = db.$client
        .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'forum.rotate-secret'")
        .get() as { n: number };
      const storedSecret = openForumSecrets(
        secretKey,
        (await forumOfGuild(sqliteDatabase(db), guild.id))!,
      ).webhookSecret;
      console.log(
        `rotate-secret ran ${rotations.n} time(s); the secret shown is the one stored: ${shown === storedSecret}`,
      );
      // The moderator pastes the secret shown: it must be the one Convene checks deliveries with.
      expect(rotations.n).toBe(1);
      expect(shown).toBe(storedSecret);
      expect(sandbox.dmsTo(fay)).toHaveLength(1);
      expect(stored).toEqual({ n: 1 });
    } finally {
      db.$client.close();
      for (const p of processes) await p.stop();
    }
  }, 90_000);
});
