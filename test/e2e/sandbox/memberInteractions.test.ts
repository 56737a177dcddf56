/**
 * A member's commands and clicks as a Discord client sends them: POST /api/v10/interactions with the
 * member's own token. The emulator dispatches INTERACTION_CREATE to the real bot and the bot answers
 * through the interaction callback, as for any interaction. Before members had a credential, the
 * emulator only knew the bot's token and a newcomer's command could not be sent at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { type Community, join, makeCommunity, startBot } from '../harness.js';

let community: Community;
let app: App;

beforeAll(async () => {
  community = await makeCommunity();
  app = await startBot(community);
});

afterAll(async () => {
  await app?.stop();
  await community?.sandbox.close();
});

async function interact(authorization: string | undefined, body: unknown) {
  const response = await fetch(`${community.sandbox.apiUrl}/v10/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function commandBody(guildId: string, channelId: string, name: string, options: unknown[] = []) {
  const command = community.sandbox.commands().find((c) => c.name === name)!;
  return {
    type: 2,
    application_id: community.sandbox.applicationId,
    guild_id: guildId,
    channel_id: channelId,
    nonce: '1',
    data: { version: command.version, id: command.id, name, type: 1, options },
  };
}

describe('POST /interactions with a member token', () => {
  it('GIVEN a newcomer who just joined WHEN they run /journey THEN the bot answers them, ephemerally', async () => {
    const newcomer = join(community, 'nova');
    const token = community.sandbox.memberToken(newcomer);
    const { guild } = community;
    const sent = await interact(token, commandBody(guild.id, guild.channels.general!, 'journey'));
    expect(sent.status).toBe(204);
    const record = await community.sandbox.waitFor(
      () => community.sandbox.interactions.find((r) => r.userId === newcomer && r.result?.content),
      { description: "the bot's answer to nova's /journey" },
    );
    expect(record.name).toBe('/journey');
    expect(record.result!.ephemeral).toBe(true);
    expect(record.result!.content).toContain('Your journey in Shader Club');
  });

  it('GIVEN a subcommand with options THEN they reach the bot as the client nested them', async () => {
    const bob = community.members.bob!;
    const { guild } = community;
    const body = commandBody(guild.id, guild.channels.general!, 'profile', [
      { type: 1, name: 'set', options: [{ type: 3, name: 'interests', value: 'vulkan, shaders' }] },
    ]);
    expect((await interact(community.sandbox.memberToken(bob), body)).status).toBe(204);
    const record = await community.sandbox.waitFor(
      () => community.sandbox.interactions.find((r) => r.userId === bob && r.result?.content),
      { description: "the bot's answer to /profile set" },
    );
    expect(record.name).toBe('/profile set');
    const show = commandBody(guild.id, guild.channels.general!, 'profile', [{ type: 1, name: 'show' }]);
    expect((await interact(community.sandbox.memberToken(bob), show)).status).toBe(204);
    const shown = await community.sandbox.waitFor(
      () =>
        community.sandbox.interactions.find((r) => r.userId === bob && r.name === '/profile show' && r.result?.content),
      { description: "the bot's answer to /profile show" },
    );
    expect(shown.result!.content).toContain('vulkan');
  });

  it('GIVEN the bot token THEN it is refused: the bot cannot start interactions as a member', async () => {
    const { guild } = community;
    const sent = await interact(
      `Bot ${community.sandbox.botToken}`,
      commandBody(guild.id, guild.channels.general!, 'help'),
    );
    expect(sent.status).toBe(401);
    expect(() => community.sandbox.memberToken(community.sandbox.botUserId)).toThrow(/bot/);
  });

  it('GIVEN no token or an unknown one THEN 401, and a member token does not open the bot routes', async () => {
    const { guild } = community;
    const body = commandBody(guild.id, guild.channels.general!, 'help');
    expect((await interact(undefined, body)).status).toBe(401);
    expect((await interact('not-a-token', body)).status).toBe(401);
    const asMember = await fetch(`${community.sandbox.apiUrl}/v10/channels/${guild.channels.general}/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: community.sandbox.memberToken(community.members.eve!),
      },
      body: JSON.stringify({ content: 'hi' }),
    });
    expect(asMember.status).toBe(401);
  });

  it('GIVEN a moderator command and a member without Manage Server THEN 403 and the bot never hears of it', async () => {
    const { guild } = community;
    const before = community.sandbox.interactions.length;
    const sent = await interact(
      community.sandbox.memberToken(community.members.cyd!),
      commandBody(guild.id, guild.channels.general!, 'convene', [{ type: 1, name: 'status' }]),
    );
    expect(sent.status).toBe(403);
    expect(community.sandbox.interactions.length).toBe(before);
  });

  it('GIVEN an option the command does not have THEN 400 naming it', async () => {
    const { guild } = community;
    const sent = await interact(
      community.sandbox.memberToken(community.members.dee!),
      commandBody(guild.id, guild.channels.general!, 'meet', [{ type: 3, name: 'colour', value: 'red' }]),
    );
    expect(sent.status).toBe(400);
    expect(JSON.stringify(sent.body)).toContain('colour');
  });

  it('GIVEN a private thread the member is not in THEN a command there is refused (403)', async () => {
    const { guild, sandbox } = community;
    const thread = sandbox.createThread(guild.id, guild.channels.intros!, community.members.bob!, {
      name: 'bob and dee',
      private: true,
      members: [community.members.dee!],
    });
    const sent = await interact(sandbox.memberToken(community.members.eve!), commandBody(guild.id, thread.id, 'help'));
    expect(sent.status).toBe(403);
  });

  it('GIVEN a button on a bot message WHEN a member presses it (type 3) THEN the bot answers that member', async () => {
    const { sandbox, guild, moderator, members } = community;
    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene intros set', {
      channel: guild.channels.intros!,
    });
    const announcement = await sandbox.waitFor(
      () => sandbox.messagesIn(guild.channels.intros!).find((m) => m.components.length > 0),
      { description: 'the intros announcement with its button' },
    );
    const button = (announcement.components[0] as { components: { custom_id: string }[] }).components[0]!;
    const press = {
      type: 3,
      application_id: sandbox.applicationId,
      guild_id: guild.id,
      channel_id: guild.channels.intros,
      message_id: announcement.id,
      data: { component_type: 2, custom_id: button.custom_id },
    };
    expect((await interact(sandbox.memberToken(members.eve!), press)).status).toBe(204);
    const record = await sandbox.waitFor(
      () => sandbox.interactions.find((r) => r.userId === members.eve && r.name === button.custom_id && r.result),
      { description: "the bot's answer to eve's press" },
    );
    expect(record.result!.ephemeral).toBe(true);
    // eve's answer is hers: another member cannot press a button on it, nor see it.
    const answer = record.result!.message!;
    const onHers = { ...press, message_id: answer.id, data: { component_type: 2, custom_id: 'x' } };
    expect((await interact(sandbox.memberToken(members.cyd!), onHers)).status).toBe(404);
  });
});
