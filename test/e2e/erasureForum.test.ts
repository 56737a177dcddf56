/**
 * Erased means gone, for a moderator who connected the community's forum by command: after
 * /privacy delete no table holds their id or name; the forum stays the community's, only who
 * connected it goes. (Split from erasure.test.ts: it needs the Discourse adapter, which runs on
 * SQLite only until its port lands; see vitest.postgres.config.ts.)
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { databaseOf } from '../../src/commands.js';
import { DiscourseSandbox } from '../../src/sandbox/discourse/server.js';
import { botTraces, findIdIn, noBytesLeft } from '../helpers/traces.js';
import { type Community, makeCommunity, rows, startBot, waitFor } from './harness.js';

let community: Community | undefined;
let app: App | undefined;
let forum: DiscourseSandbox | undefined;

afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  await forum?.close();
  app = undefined;
  community = undefined;
  forum = undefined;
});

const print = (label: string, text: string) => {
  if (process.env.CONVENE_PRINT) console.log(`--- ${label}\n${text}`);
};

describe('erasure end to end', () => {
  it('GIVEN a moderator who connected the forum by command and rotated its secret WHEN they run /privacy delete THEN no table holds their id or name, and the forum keeps delivering to the community and answering the other moderators', async () => {
    community = await makeCommunity();
    const key = `key-${randomBytes(16).toString('hex')}`;
    forum = await DiscourseSandbox.start({ apiKey: key, botUsername: 'convene' });
    // The emulator listens on 127.0.0.1, a local address: allowed here (refused by default).
    app = await startBot(community, {
      CONVENE_SECRET_KEY: randomBytes(32).toString('base64'),
      CONVENE_ALLOW_PRIVATE_FORUMS: 'true',
    });
    const { sandbox, guild, members } = community;
    const general = guild.channels.general!;
    const wren = sandbox.addUser({ username: 'wrenfield', globalName: 'Wrenfield Ashcombe' }).id;
    sandbox.addMember(guild.id, wren, { roles: guild.moderatorRoleId ? [guild.moderatorRoleId] : [] });

    const opened = await sandbox.runCommand(guild.id, general, wren, 'convene forum connect');
    const connected = await sandbox.submitModal(guild.id, general, wren, opened.modal!.customId, {
      url: forum.url,
      username: 'convene',
      key,
    });
    expect(connected.content).toMatch(/Payload URL: `[^`]+`/);
    const url = /Payload URL: `([^`]+)`/.exec(connected.content)![1]!;
    const rotated = await sandbox.runCommand(guild.id, general, wren, 'convene forum rotate-secret');
    const secret = /`([0-9a-f]{64})`/.exec(rotated.content)![1]!;
    forum.setWebhook({ url, secret });
    await sandbox.runCommand(guild.id, general, wren, 'convene privacy set', { forget_on_leave: false });
    const idBefore = await findIdIn(databaseOf(app.deps), wren);
    expect(idBefore['forums.connected_by']).toBe(1);
    expect(idBefore['community_pairs.paired_by']).toBe(1);
    expect(idBefore['audit_log.actor_id']).toBe(3);

    const asked = await sandbox.runCommand(guild.id, general, wren, 'privacy delete');
    const button = (asked.components[0] as { components: { custom_id: string }[] }).components[0]!.custom_id;
    const done = await sandbox.clickButton(guild.id, general, asked.message!.id, wren, button);
    expect(done.content).toMatch(/^Done: your profile, names/);

    const idAfter = await findIdIn(databaseOf(app.deps), wren);
    const names = await botTraces(app, community, ['wrenfield', 'Wrenfield Ashcombe']);
    console.log(
      `e2e erasure of the moderator who connected the forum: id before in ${JSON.stringify(idBefore)}; after in ${JSON.stringify(idAfter)}; names after ${names.total.cells} cells, ${names.total.bytes} bytes`,
    );
    // The members row stays as the note "do not profile again", without names.
    expect(Object.keys(idAfter)).toEqual(['members.member_id']);
    expect(names.cells).toEqual({});
    expect(names.bytes).toEqual(noBytesLeft(community));
    expect(await rows(app, 'SELECT connected_by FROM forums')).toEqual([{ connected_by: '' }]);

    // The forum is still the community's: its topics arrive, the other moderators still run it.
    forum.createUser({ username: 'noor' });
    const from = forum.deliveries.length;
    forum.createTopic({
      username: 'noor',
      title: 'Shadow acne on sloped terrain',
      raw: 'Shadow acne on sloped terrain, with enough words in the body to be a post.',
    });
    await forum.flush();
    expect(forum.deliveries.slice(from).map((d) => d.status)).toEqual(forum.deliveries.slice(from).map(() => 200));
    const host = new URL(forum.url).host;
    await waitFor(
      async () =>
        (
          await rows(
            app!,
            'SELECT 1 FROM channels WHERE guild_id = ? AND name = ?',
            `discourse:${host}`,
            'Shadow acne on sloped terrain',
          )
        ).length,
      10_000,
      'the topic from the forum',
    );
    const status = await sandbox.runCommand(guild.id, general, members.ada!, 'convene status');
    const forumLine = status.content.split('\n').find((l) => l.startsWith(`Forum ${host}`));
    print('/convene status (forum line)', forumLine ?? '');
    expect(forumLine).toContain('connected by command');
    const again = await sandbox.runCommand(guild.id, general, members.ada!, 'convene forum rotate-secret');
    expect(again.content).toMatch(/`[0-9a-f]{64}`/);
  }, 60_000);
});
