/**
 * Erased means gone, end to end: the real bot (discord.js) against the Discord emulator, with its
 * database in a real file. A member with a distinctive name asks a question, writes an about text and
 * is named by others; after /privacy delete (or leaving with forget-on-leave on) every table and the
 * raw bytes of the .db and -wal files are searched for their name, display name, about and title.
 * A moderator who connected the community's forum by command erases themselves the same way: the
 * forum stays the community's, only who connected it goes.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { databaseOf } from '../../src/commands.js';
import { DiscourseSandbox } from '../../src/sandbox/discourse/server.js';
import { findIdIn, findTracesIn } from '../helpers/traces.js';
import { type Community, join, makeCommunity, outboxSettled, rows, startBot, waitFor } from './harness.js';

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

const DAY = 86_400_000;
const ABOUT = 'I restore brass telescopes at the Quillmarsh observatory';
const TITLE = 'Why does my Zephyrine shader flicker on window resize?';
const NAMES = ['quillmarsh', 'Wendeline Quillmarsh'];
const print = (label: string, text: string) => {
  if (process.env.CONVENE_PRINT) console.log(`--- ${label}\n${text}`);
};

/** The member joins, asks in the forum, sets an about text and is thanked by name; returns their id. */
async function fill(c: Community, a: App): Promise<string> {
  const { sandbox, guild, members } = c;
  const wen = join(c, 'quillmarsh', Date.now() - 2 * DAY, 'Wendeline Quillmarsh');
  const post = sandbox.openForumPost(guild.id, guild.channels.questions!, wen, { title: TITLE, content: TITLE });
  sandbox.say(guild.id, post.thread.id, members.bob!, 'Quillmarsh, try disabling vsync when the swapchain is rebuilt');
  const thanks = sandbox.say(
    guild.id,
    guild.channels.general!,
    members.bob!,
    'thanks quillmarsh for the telescope tip',
  );
  await sandbox.runCommand(guild.id, guild.channels.general!, wen, 'profile set', { about: ABOUT });
  await waitFor(
    async () => (await rows(a, 'SELECT 1 FROM messages WHERE message_id = ?', thanks.id)).length,
    10_000,
    'messages',
  );
  await outboxSettled(a);
  return wen;
}

/** On SQLite also the raw bytes of the file and its WAL (PostgreSQL keeps no file of the database's own). */
function traces(a: App, c: Community, needles: readonly string[] = [...NAMES, ABOUT, TITLE]) {
  return findTracesIn(databaseOf(a.deps), c.engine === 'sqlite' ? c.dbPath : undefined, needles);
}

/** No byte left in the SQLite file or its WAL; nothing to read on PostgreSQL. */
const noBytes = (c: Community) => (c.engine === 'sqlite' ? { db: 0, wal: 0 } : null);

describe('erasure end to end', () => {
  it('GIVEN a member named by others, with a question and an about text WHEN they run /privacy delete and confirm THEN no table and no byte of the .db or -wal holds their name, about or title, and a later rename stores none', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild } = community;
    const wen = await fill(community, app);
    const before = await traces(app, community);
    expect(before.total.cells).toBeGreaterThan(0);

    const asked = await sandbox.runCommand(guild.id, guild.channels.general!, wen, 'privacy delete');
    print('/privacy delete', asked.content);
    const button = (asked.components[0] as { components: { custom_id: string }[] }).components[0]!.custom_id;
    const done = await sandbox.clickButton(guild.id, guild.channels.general!, asked.message!.id, wen, button);
    print('confirmed', done.content);

    const after = await traces(app, community);
    console.log(
      `e2e /privacy delete: before ${before.total.cells} cells; after ${after.total.cells} cells, ${after.total.bytes} bytes`,
    );
    expect(after.cells).toEqual({});
    expect(after.bytes).toEqual(noBytes(community));
    expect(done.content).toMatch(/^Done: your profile, names/);

    // Discord still knows them: a member update and a message carry their username; neither stores it again.
    sandbox.updateMember(guild.id, wen, { nick: 'Wendeline Quillmarsh' });
    const later = sandbox.say(guild.id, guild.channels.general!, wen, 'Quillmarsh here again');
    await waitFor(
      async () => (await rows(app!, 'SELECT 1 FROM messages WHERE message_id = ?', later.id)).length,
      10_000,
      'message',
    );
    expect(await rows(app, 'SELECT username, display_name FROM members WHERE member_id = ?', wen)).toEqual([
      { username: '', display_name: '' },
    ]);
    // A question they open after erasing has its title: helpers must be able to read what is asked.
    const asking = 'How do I collimate a reflector after transport?';
    const next = sandbox.openForumPost(guild.id, guild.channels.questions!, wen, { title: asking, content: asking });
    await waitFor(
      async () =>
        (await rows(app!, 'SELECT name FROM channels WHERE channel_id = ?', next.thread.id))[0]?.name === asking,
      10_000,
      'the new question',
    );
  }, 60_000);

  it('GIVEN forget-on-leave turned on by a moderator WHEN a member leaves THEN they are erased the same way, and /convene status and /privacy show say so', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild } = community;
    const mod = community.moderator;
    const statusOff = await sandbox.runCommand(guild.id, guild.channels.general!, mod, 'convene status');
    expect(statusOff.content).toContain('Members who leave keep their data here until they run /privacy delete');
    const set = await sandbox.runCommand(guild.id, guild.channels.general!, mod, 'convene privacy set', {
      forget_on_leave: true,
    });
    print('/convene privacy set', set.content);
    expect(set.content).toBe(
      'Saved. Members who leave are forgotten: their data is erased as with /privacy delete. Messages Convene sends keep their text for 7 days.',
    );
    const wen = await fill(community, app);
    const shown = await sandbox.runCommand(guild.id, guild.channels.general!, wen, 'privacy show');
    print('/privacy show', shown.content);
    expect(shown.content).toContain('Members who leave are forgotten');
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, mod, 'convene status');
    print('/convene status', status.content);
    expect(status.content).toContain('Privacy: Members who leave are forgotten');
    const before = await traces(app, community);
    expect(before.total.cells).toBeGreaterThan(0);

    sandbox.removeMember(guild.id, wen);
    await waitFor(
      async () =>
        (await rows(app!, "SELECT 1 FROM members WHERE member_id = ? AND left_at IS NOT NULL AND username = ''", wen))
          .length,
      10_000,
      'the member to leave and be erased',
    );
    const after = await traces(app, community);
    console.log(
      `e2e forget on leave: before ${before.total.cells} cells; after ${after.total.cells} cells, ${after.total.bytes} bytes`,
    );
    expect(after.cells).toEqual({});
    expect(after.bytes).toEqual(noBytes(community));
  }, 60_000);

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
    const names = await traces(app, community, ['wrenfield', 'Wrenfield Ashcombe']);
    console.log(
      `e2e erasure of the moderator who connected the forum: id before in ${JSON.stringify(idBefore)}; after in ${JSON.stringify(idAfter)}; names after ${names.total.cells} cells, ${names.total.bytes} bytes`,
    );
    // The members row stays as the note "do not profile again", without names.
    expect(Object.keys(idAfter)).toEqual(['members.member_id']);
    expect(names.cells).toEqual({});
    expect(names.bytes).toEqual(noBytes(community));
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
