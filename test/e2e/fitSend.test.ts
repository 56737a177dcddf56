/**
 * Every message the Discord sender posts fits Discord's limits (issue 12 §7): the real sender, the
 * real discord.js REST client, the Discord emulator (which validates like Discord: 2,000 characters
 * of content, 100 of a thread name). Before the fit, a welcome from a long custom text was refused
 * with a 400 for every newcomer.
 */
import { REST } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDatabase } from '../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId } from '../../src/events.js';
import { renderWelcome } from '../../src/features/journey/compose.js';
import type { SendContext } from '../../src/outbox/platformSender.js';
import { DiscordSender } from '../../src/platforms/discord/sender.js';
import { type DiscordSandbox, type GuildHandle, startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import { makeTestDb } from '../helpers/db.js';

let sandbox: DiscordSandbox;
let guild: GuildHandle;
let ann: string;
let sender: DiscordSender;
let seq = 0;

beforeAll(async () => {
  sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 500 });
  guild = sandbox.createGuild({
    name: 'Rust Gamedev',
    channels: [
      { name: 'welcome', type: 'text' },
      { name: 'intros', type: 'text' },
    ],
  });
  ann = sandbox.addUser({ username: 'ann' }).id;
  sandbox.addMember(guild.id, ann);
  sender = new DiscordSender(
    new REST({ api: sandbox.apiUrl, retries: 0 }).setToken(sandbox.botToken),
    sqliteDatabase(makeTestDb()),
  );
});
afterAll(() => sandbox.close());

function ctx(): SendContext {
  const id = ++seq;
  return { guildId: asGuildId(guild.id), key: `fit:${id}`, id, attempt: 1, progress: null, checkpoint: async () => {} };
}

/** The probe: a 1,500-character custom welcome whose placeholders expand to several thousand. */
function longWelcome() {
  const line = '{member}, welcome to {server}: {first_step} {first_step} {first_step} See {channels}.\n';
  return renderWelcome({
    memberId: ann,
    serverName: 'Rust Gamedev',
    topicChannels: [{ channelId: guild.channels.intros!, name: 'intros' }],
    introductions: { channelId: guild.channels.intros!, name: 'intros' },
    help: null,
    customText: line.repeat(20).slice(0, 1500),
  });
}

describe('the Discord sender fits what it posts', () => {
  it('GIVEN a welcome that expands past 2,000 characters THEN it is delivered, cut on a boundary with "…", pinging only the newcomer', async () => {
    const body = longWelcome();
    expect(body.content.length).toBeGreaterThan(6000);
    const sent = await sender.send(
      { type: 'message.send', channelId: asChannelId(guild.channels.welcome!), body },
      ctx(),
    );
    const message = sandbox.message(sent.messageId!)!;
    expect(message.content.length).toBeLessThanOrEqual(2000);
    expect(message.content.endsWith('…')).toBe(true);
    expect(body.content.startsWith(message.content.slice(0, -1))).toBe(true);
    expect(message.pinged).toEqual({ everyone: false, users: [ann], roles: [] });
  });

  it('GIVEN the same welcome by DM THEN the newcomer gets it', async () => {
    const sent = await sender.send({ type: 'dm.send', memberId: asMemberId(ann), body: longWelcome() }, ctx());
    expect(sent.messageId).toBeDefined();
    expect(sandbox.dmsTo(ann).at(-1)!.content.length).toBeLessThanOrEqual(2000);
  });

  it('GIVEN a thread name of 300 characters with a right-to-left override THEN the thread is opened with a name Discord takes', async () => {
    const name = `Intro: ${'Ann\u202E the very long display name '.repeat(10)}`;
    const sent = await sender.send(
      {
        type: 'thread.create',
        channelId: asChannelId(guild.channels.intros!),
        name,
        memberIds: [asMemberId(ann)],
        body: { content: `<@${ann}> meet the community!`, mentions: { members: [asMemberId(ann)] } },
      },
      ctx(),
    );
    const thread = sandbox.channel(sent.threadId!)!;
    expect(thread.name.length).toBeLessThanOrEqual(100);
    expect(thread.name).toMatch(/^Intro: Ann the very long display name .*…$/);
  });
});
