import { describe, expect, it } from 'vitest';
import { defineCommand, reply } from '../../../src/commands.js';
import { asMemberId, asRoleId } from '../../../src/events.js';
import { commandsJson } from '../../../src/platforms/discord/commandData.js';
import { allowedMentions, components, messageJson } from '../../../src/platforms/discord/render.js';

describe('allowed mentions', () => {
  it('GIVEN text with @everyone, @here and a role mention and no chosen mentions THEN parse is empty and nobody may be pinged', () => {
    const json = messageJson({ content: '@everyone @here <@&123> <@456> hi' });
    expect(json.allowed_mentions).toEqual({ parse: [], users: [], roles: [], replied_user: false });
  });

  it('GIVEN chosen members and a configured role THEN exactly those may be pinged, without duplicates', () => {
    expect(
      allowedMentions({
        content: 'x',
        mentions: { members: [asMemberId('1'), asMemberId('1'), asMemberId('2')], roles: [asRoleId('9')] },
      }),
    ).toEqual({ parse: [], users: ['1', '2'], roles: ['9'], replied_user: false });
  });

  it('GIVEN 12 buttons THEN they are laid out in rows of at most 5', () => {
    const rows = components(Array.from({ length: 12 }, (_, i) => ({ id: `b:${i}`, label: `B${i}` })));
    expect(rows.map((r) => r.components.length)).toEqual([5, 5, 2]);
  });
});

describe('command registration data', () => {
  const run = () => reply.ephemeral('ok');
  const defs = [
    defineCommand({
      name: 'help',
      description: 'Help',
      access: 'member',
      options: { command: { type: 'string', description: 'which' } },
      run,
    }),
    defineCommand({ name: 'convene status', description: 'Status', access: 'moderator', options: {}, run }),
    defineCommand({
      name: 'convene welcome set',
      description: 'Set welcome',
      access: 'moderator',
      options: {
        text: { type: 'string', description: 't' },
        channel: { type: 'channel', description: 'c', required: true },
      },
      run,
    }),
    defineCommand({ name: 'intros join', description: 'Join', access: 'member', options: {}, run }),
  ];

  it('GIVEN nested names THEN they become subcommand groups and subcommands, required options first', () => {
    const json = commandsJson(defs);
    const convene = json.find((c) => c.name === 'convene')!;
    expect(convene.options?.map((o) => [o.name, o.type])).toEqual([
      ['status', 1],
      ['welcome', 2],
    ]);
    const welcome = convene.options![1] as unknown as { options: { name: string; options: { name: string }[] }[] };
    expect(welcome.options[0]!.name).toBe('set');
    expect(welcome.options[0]!.options.map((o) => o.name)).toEqual(['channel', 'text']);
  });

  it('GIVEN moderator-only commands THEN the top level carries Manage Server as default permission; member ones do not', () => {
    const json = commandsJson(defs);
    expect(json.find((c) => c.name === 'convene')!.default_member_permissions).toBe('32');
    expect(json.find((c) => c.name === 'intros')!.default_member_permissions).toBeUndefined();
    expect(json.find((c) => c.name === 'help')!.default_member_permissions).toBeUndefined();
  });
});
