/**
 * One community on two platforms, end to end: the real bot on the Discord emulator and the Discourse
 * emulator at once. A Discord member links their forum account with a one-time code sent by forum
 * PM; a question on the forum is then routed to them because they answered that topic on Discord,
 * and they are contacted on Discord, where they are active.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import {
  type Community,
  execute,
  makeCommunity,
  outboxSettled,
  rows,
  startBot,
  waitFor,
  zoneWhereItIs,
} from '../harness.js';
import { API_KEY, BOT, SECRET } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let community: Community | undefined;
let forum: DiscourseSandbox | undefined;
let app: App | undefined;
/** The bot's clock runs this far ahead of the real one (scans "later" without waiting). */
let offset = 0;
const botNow = () => Date.now() + offset;
afterEach(async () => {
  offset = 0;
  await app?.stop();
  await community?.sandbox.close();
  await forum?.close();
  app = undefined;
  community = undefined;
  forum = undefined;
});

async function settle() {
  for (let i = 0; i < 3; i++) {
    await forum!.flush();
    await outboxSettled(app!, 15_000);
  }
}

describe('one community across Discord and Discourse', () => {
  it('GIVEN cyd linked their forum account and answers vulkan questions on Discord THEN a stalled vulkan topic on the forum reaches cyd by Discord DM, once', async () => {
    community = await makeCommunity();
    forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    app = await startBot(
      community,
      {
        DISCOURSE_URL: forum.url,
        DISCOURSE_API_KEY: API_KEY,
        DISCOURSE_API_USERNAME: BOT,
        DISCOURSE_WEBHOOK_SECRET: SECRET,
      },
      botNow,
    );
    forum.setWebhook({ url: `http://127.0.0.1:${app.httpPort}/webhooks/discourse`, secret: SECRET });
    const { sandbox, guild, members } = community;

    // On Discord, cyd answers vulkan questions in the forum channel.
    const past = Date.now() - 10 * DAY;
    ['How do vulkan descriptor sets work?', 'Vulkan descriptor pool exhausted, why?'].forEach((title, i) => {
      const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.bob!, {
        title,
        content: title,
        at: past + i * DAY,
      });
      sandbox.say(
        guild.id,
        post.thread.id,
        members.cyd!,
        'Allocate vulkan descriptor sets from a pool, then update them',
        {
          at: past + i * DAY + HOUR,
        },
      );
    });
    // On the forum, cyd is "cyd_forum"; noor asks there.
    forum.createUser({ username: 'cyd_forum', name: 'Cyd', createdAt: past });
    forum.createUser({ username: 'noor', name: 'Noor', createdAt: past });
    const help = forum.createCategory({ name: 'Help' }).id;
    await new Promise((r) => setTimeout(r, 300));
    await settle();

    // Linking needs the server connected to the forum, which only a moderator can do.
    const early = await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'link discourse', {
      username: 'cyd_forum',
    });
    expect(early.content).toMatch(/not connected to the forum/);
    // A member whose server overrides the command permission still cannot: the bot checks again.
    const denied = await sandbox.runCommand(
      guild.id,
      guild.channels.general!,
      members.cyd!,
      'convene forum connect',
      {},
      { bypassDefaultPermissions: true },
    );
    expect(denied.ephemeral).toBe(true);
    expect(await rows(app, 'SELECT * FROM community_pairs')).toEqual([]);
    const connected = await sandbox.runCommand(
      guild.id,
      guild.channels.general!,
      members.ada!,
      'convene forum connect',
    );
    expect(connected.content).toMatch(/one community/);
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, members.ada!, 'convene status');
    expect(status.content).toContain(`One community with the forum ${new URL(forum.url).host} (0 linked members)`);

    // Linking: the code arrives by forum PM, and only that code confirms.
    const asked = await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'link discourse', {
      username: 'cyd_forum',
    });
    expect(asked.ephemeral).toBe(true);
    expect(asked.content).toContain('@cyd_forum');
    await settle();
    const pm = forum.privateMessagesTo('cyd_forum').find((p) => p.posts[0]?.username === BOT);
    const code = /code:(\d{6})/.exec(pm?.posts[0]?.raw ?? '')?.[1];
    expect(code).toBeDefined();
    const wrong = await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'link confirm', {
      code: code === '000000' ? '111111' : '000000',
    });
    expect(wrong.content).toMatch(/does not match/);
    const confirmed = await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'link confirm', {
      code: code!,
    });
    expect(confirmed.content).toMatch(/^Linked/);

    // A vulkan question on the forum has waited five hours; nobody on the forum has answered vulkan.
    const { topic } = forum.createTopic({
      username: 'noor',
      title: 'Vulkan descriptor sets invalid after update',
      raw: 'My vulkan descriptor sets become invalid after I update them. Pool or binding problem?',
      categoryId: help,
      createdAt: Date.now() - 5 * HOUR,
    });
    await settle();
    // Daytime for everyone when the bot scans (quiet hours are tested elsewhere).
    offset = 2 * HOUR;
    await execute(app, 'UPDATE members SET timezone = ?', zoneWhereItIs(13, botNow()));
    await app.scheduler.tick(botNow());
    await settle();

    const dm = await waitFor(
      () => sandbox.dmsTo(members.cyd!).find((m) => m.content.includes(new URL(`/t/${topic.id}`, forum!.url).href)),
      10_000,
      'the cross-platform DM',
    );
    expect(dm.content).toMatch(/vulkan|descriptor/);
    expect(dm.pinged.everyone).toBe(false);
    expect(sandbox.dmsTo(members.cyd!).filter((m) => m.content.includes(`/t/${topic.id}`))).toHaveLength(1);
    // Not on the forum as well: one person, one contact, on the platform where they are active.
    expect(
      forum.privateMessagesTo('cyd_forum').filter((p) => p.posts.some((post) => post.raw.includes(`/t/${topic.id}`))),
    ).toEqual([]);

    // Unlinked, the accounts are separate again: the next question is not routed to cyd.
    const removed = await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'link remove');
    expect(removed.content).toMatch(/Unlinked/);
    const second = forum.createTopic({
      username: 'noor',
      title: 'Vulkan descriptor pool keeps running out',
      raw: 'My vulkan descriptor pool runs out after a few frames. How big should the pool be?',
      categoryId: help,
      createdAt: Date.now() - 5 * HOUR,
    });
    await settle();
    offset = 3 * HOUR;
    await app.scheduler.tick(botNow());
    await settle();
    expect(sandbox.dmsTo(members.cyd!).filter((m) => m.content.includes(`/t/${second.topic.id}`))).toEqual([]);
    // Decided nowhere, not merely not yet sent: only the first question was ever routed across.
    expect(await rows(app, "SELECT key FROM outbox WHERE key LIKE 'questions:nudge:%'")).toEqual([
      { key: `questions:nudge:discourse:${new URL(forum.url).host}:${topic.id}:away:${members.cyd}` },
    ]);
  });
});

describe('intros across Discord and the forum', () => {
  it('GIVEN bob on Discord and ira on the forum talk about the borrow checker and joined intros THEN the round introduces them, each by a private message on their own platform', async () => {
    community = await makeCommunity();
    forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    app = await startBot(community, {
      DISCOURSE_URL: forum.url,
      DISCOURSE_API_KEY: API_KEY,
      DISCOURSE_API_USERNAME: BOT,
      DISCOURSE_WEBHOOK_SECRET: SECRET,
    });
    forum.setWebhook({ url: `http://127.0.0.1:${app.httpPort}/webhooks/discourse`, secret: SECRET });
    const { sandbox, guild, members, moderator } = community;
    const past = Date.now() - 3 * DAY;
    // dee and eve talk about bread; bob and ira are the only borrow-checker people.
    for (let i = 0; i < 3; i++) {
      sandbox.say(guild.id, guild.channels.general!, members.bob!, 'rust borrow checker lifetimes again', {
        at: past + i * HOUR,
      });
      for (const baker of ['dee', 'eve']) {
        sandbox.say(guild.id, guild.channels.general!, members[baker]!, 'sourdough bread hydration starter', {
          at: past + i * HOUR + 60_000,
        });
      }
    }
    forum.createUser({ username: 'ira', name: 'Ira', createdAt: past - 30 * DAY });
    const rust = forum.createCategory({ name: 'Rust' }).id;
    for (let i = 0; i < 3; i++) {
      forum.createTopic({
        username: 'ira',
        title: `Borrow checker lifetimes puzzle ${i + 1}`,
        raw: 'The borrow checker rejects my lifetimes again: why does this borrow outlive the scope?',
        categoryId: rust,
        createdAt: past + i * HOUR + 120_000,
      });
    }
    await settle();

    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene forum connect');
    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene intros set', {
      channel: guild.channels.intros!,
      every: '1w',
      day: 'monday',
      time: '10:00',
      timezone: 'UTC',
      size: 2,
    });
    for (const name of ['bob', 'dee', 'eve']) {
      await sandbox.runCommand(guild.id, guild.channels.general!, members[name]!, 'intros join');
    }
    forum.sendPm({ from: 'ira', to: [BOT], title: 'Intros', raw: 'intros join' });
    await settle();

    const run = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene intros run-now');
    expect(run.ephemeral).toBe(true);
    await settle();

    // bob hears on Discord about ira, with how to reach her on the forum; no Discord mention of anyone else.
    const toBob = await waitFor(
      () => sandbox.dmsTo(members.bob!).find((m) => /Meet/.test(m.content) && m.content.includes('ira')),
      10_000,
      "bob's intro DM",
    );
    expect(toBob.content).toMatch(/@ira on the forum/);
    expect(toBob.pinged.users).toEqual([]);
    // ira hears on the forum about bob, by private message, not in a public topic.
    const toIra = forum
      .privateMessagesTo('ira')
      .filter((pm) => pm.posts[0]?.username === BOT)
      .find((pm) => pm.posts.some((p) => /Meet/.test(p.raw)));
    expect(toIra?.posts.map((p) => p.raw).join('\n')).toMatch(/on Discord/);
    // The bakers meet each other, in the intros channel as on any Discord-only round.
    const threads = sandbox.threadsIn(guild.channels.intros!);
    expect(threads.map((t) => sandbox.messagesIn(t.id)[0]!.pinged.users.sort())).toEqual([
      [members.dee!, members.eve!].sort(),
    ]);
  });
});
