/**
 * Every guild is a separate tenant: the real bot serves two servers (and a Discourse forum paired
 * with server A). Server A is full of life — its name, channel names, members, a question, a custom
 * welcome, forum topics — all spelled with words that exist nowhere else. Then every slash command is
 * run in server B, and neither B's replies nor anything the bot sent meanwhile (Discord or forum)
 * carries a word or an id of A. The one sentence allowed to name A is the refusal of
 * /convene forum connect in B, which tells B's moderators which server holds the forum (issue 12 §4).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { OptionSpec } from '../../src/commands.js';
import { features } from '../../src/features/index.js';
import type { OptionInput } from '../../src/sandbox/discord/commandInvocation.js';
import { startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import { DiscourseSandbox } from '../../src/sandbox/discourse/server.js';
import { tempDir } from '../helpers/db.js';
import { testEngine } from '../helpers/engines.js';
import { API_KEY, BOT, SECRET } from './discourse/harness.js';
import { type Community, newDatabaseUrl, outboxSettled, rows, startBot, waitFor } from './harness.js';

let community: Community | undefined;
let forum: DiscourseSandbox | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  await forum?.close();
  app = undefined;
  community = undefined;
  forum = undefined;
});

const DAY = 86_400_000;
/** Words of server A and its forum: none of them may reach server B. */
const A_WORDS = ['quokka', 'zanzibar', 'xanthippe', 'quillon', 'ophelion', 'marimba'];

describe('tenants', () => {
  it('GIVEN two servers and a forum paired with the first THEN no command run in the second shows or sends anything of the first', async () => {
    const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 1_000 });
    const at = Date.now() - 30 * DAY;
    const a = sandbox.createGuild({
      name: 'Quokka Hall',
      at,
      channels: [
        { name: 'quokka-lounge', type: 'text', topic: 'Zanzibar chatter' },
        { name: 'quokka-questions', type: 'forum', topic: 'Ask the quokkas', tags: ['solved'] },
        { name: 'quokka-intros', type: 'text', topic: 'Quokka introductions' },
      ],
      roles: [{ name: 'Quokka Elder' }],
    });
    const b = sandbox.createGuild({
      name: 'Pottery Guild',
      at,
      channels: [
        { name: 'general', type: 'text', topic: 'Clay talk' },
        { name: 'questions', type: 'forum', topic: 'Ask', tags: ['solved'] },
        { name: 'intros', type: 'text', topic: 'Introductions' },
      ],
      roles: [{ name: 'Potter' }],
    });
    const person = (username: string, guild: typeof a, moderator = false) => {
      const user = sandbox.addUser({ username, globalName: username[0]!.toUpperCase() + username.slice(1), at });
      sandbox.addMember(guild.id, user.id, { at: at + 1000, roles: moderator ? [guild.moderatorRoleId!] : [] });
      return user.id;
    };
    const aMod = person('xanthippe', a, true);
    const aMember = person('quillon', a);
    const aThird = person('marimbaplayer', a);
    const bMod = person('ada', b, true);
    const bMember = person('bob', b);
    const bThird = person('cyd', b);
    const dbPath = `${tempDir()}/convene.db`;
    community = {
      sandbox,
      guild: a,
      members: { xanthippe: aMod, quillon: aMember },
      moderator: aMod,
      engine: testEngine(),
      databaseUrl: await newDatabaseUrl(dbPath),
      dbPath,
    };

    forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    forum.createUser({ username: 'ophelion', name: 'Ophelion', createdAt: at });
    app = await startBot(community, {
      DISCOURSE_URL: forum.url,
      DISCOURSE_API_KEY: API_KEY,
      DISCOURSE_API_USERNAME: BOT,
      DISCOURSE_WEBHOOK_SECRET: SECRET,
    });
    forum.setWebhook({ url: `http://127.0.0.1:${app.httpPort}/webhooks/discourse`, secret: SECRET });
    forum.createTopic({
      username: 'ophelion',
      title: 'Zanzibar rendering tips for quokkas',
      raw: 'Zanzibar shaders, marimba lighting.',
      createdAt: Date.now() - 2 * DAY,
    });

    // Server A lives: talk, a question and its answer, intros, a digest, a custom welcome, the forum.
    const aLounge = a.channels['quokka-lounge']!;
    const run = (
      guild: typeof a,
      channel: string,
      who: string,
      line: string,
      options: Record<string, OptionInput> = {},
    ) => sandbox.runCommand(guild.id, channel, who, line, options, { timeoutMs: 15_000 });
    await run(a, aLounge, aMod, 'convene forum connect');
    await run(a, aLounge, aMod, 'convene intros set', { channel: a.channels['quokka-intros']!, size: 2 });
    await run(a, aLounge, aMod, 'convene digest set', {
      channel: aLounge,
      day: 'monday',
      time: '09:00',
      timezone: 'UTC',
    });
    await run(a, aLounge, aMod, 'convene welcome set', { text: 'Welcome {member} to the zanzibar quokka hall!' });
    for (const who of [aMod, aMember, aThird]) await run(a, aLounge, who, 'intros join');
    await run(a, aLounge, aMember, 'profile set', { interests: 'zanzibar shaders, marimba' });
    const q = sandbox.openForumPost(a.id, a.channels['quokka-questions']!, aMember, {
      title: 'Why does my zanzibar shader flicker?',
      content: 'The zanzibar shader flickers on every quokka frame.',
      at: Date.now() - 3 * DAY,
    });
    sandbox.say(a.id, q.thread.id, aThird, 'Zanzibar needs a marimba barrier.', { at: Date.now() - 2 * DAY });
    for (let i = 0; i < 6; i++)
      sandbox.say(a.id, aLounge, [aMod, aMember, aThird][i % 3]!, `zanzibar quokka marimba talk ${i}`, {
        at: Date.now() - DAY + i,
      });
    await run(a, aLounge, aMod, 'convene intros run-now');
    await run(a, aLounge, aMod, 'convene digest post-now');
    await forum.flush();
    await outboxSettled(app, 15_000);
    // A's words did reach A (the probe can see them).
    expect(JSON.stringify(sandbox.messagesIn(aLounge))).toMatch(/zanzibar/i);

    // Server B: a little life of its own, then every command.
    const bGeneral = b.channels.general!;
    for (let i = 0; i < 4; i++)
      sandbox.say(b.id, bGeneral, [bMember, bThird][i % 2]!, `glaze and kiln firing notes ${i}`, {
        at: Date.now() - DAY + i,
      });
    await waitFor(() => true);
    const requestsBefore = sandbox.requests.length;
    const forumBefore = forum.botRequests().length;
    const valueFor = (name: string, spec: OptionSpec): OptionInput => {
      switch (spec.type) {
        case 'string': {
          if (spec.choices) return spec.choices[0]!;
          const known: Record<string, string> = {
            time: '09:00',
            timezone: 'UTC',
            code: '123456',
            username: 'ophelion',
            day: 'monday',
          };
          return (known[name] ?? 'kiln glaze').padEnd(spec.minLength ?? 0, 'x');
        }
        case 'integer':
          return spec.min ?? 1;
        case 'boolean':
          return true;
        case 'member':
          return bThird;
        case 'channel':
          return bGeneral;
        case 'role':
          return b.roles.Potter!;
        case 'attachment':
          return { filename: 'settings.json', contentType: 'application/json', data: '{}' };
      }
    };
    const replies: { command: string; text: string }[] = [];
    const commands = features.flatMap((f) => f.commands);
    // Twice: what one command changes (a forum connect, a setting) shows in the others' second answers.
    for (const command of [...commands, ...commands]) {
      const options = Object.fromEntries(
        Object.entries(command.options as Record<string, OptionSpec>).map(([name, spec]) => [
          name,
          valueFor(name, spec),
        ]),
      );
      const who = command.access === 'moderator' ? bMod : bMember;
      const r = await run(b, bGeneral, who, command.name, options);
      replies.push({ command: command.name, text: JSON.stringify([r.content, r.embeds, r.components, r.attachments]) });
      await outboxSettled(app, 15_000);
    }
    await forum.flush();
    expect(replies.length).toBe(2 * commands.length);

    // What A is made of: its words and its ids.
    const aIds = [a.id, ...Object.values(a.channels), aMod, aMember, aThird, q.thread.id];
    const leaks = (text: string) => [
      ...A_WORDS.filter((w) => text.toLowerCase().includes(w)),
      ...aIds.filter((id) => text.includes(id)),
    ];
    const replyLeaks = replies
      .filter((r) => r.command !== 'convene forum connect')
      .flatMap((r) => leaks(r.text).map((w) => `${r.command}: ${w}`));
    const sent = sandbox.requests
      .slice(requestsBefore)
      .filter((r) => r.method !== 'GET')
      .map((r) => ({ route: r.route, text: JSON.stringify(r.body) }));
    // The forum connect refusal travels as its interaction answer: checked below, apart.
    const sentLeaks = sent
      .filter((t) => !t.text.includes('already connected to another Discord server'))
      .flatMap((t) => leaks(t.text).map((w) => `${t.route}: ${w}`));
    const forumSent = forum
      .botRequests()
      .slice(forumBefore)
      .filter((r) => r.method !== 'GET');
    const forumLeaks = forumSent.flatMap((r) => leaks(JSON.stringify(r.body)));
    const connect = replies.find((r) => r.command === 'convene forum connect')!;
    // A's forum topic was stored for A (else its absence in B would prove nothing).
    expect(await rows(app, "SELECT count(*) AS n FROM messages WHERE guild_id LIKE 'discourse:%'")).toEqual([{ n: 1 }]);
    console.log(
      `tenants: ${replies.length} commands in B, ${sent.length} Discord writes, ${forumSent.length} forum writes; leaks ${JSON.stringify({ replyLeaks, sentLeaks, forumLeaks })}\n${connect.text}`,
    );
    expect({ replyLeaks, sentLeaks, forumLeaks }).toEqual({ replyLeaks: [], sentLeaks: [], forumLeaks: [] });
    // The one allowed mention of A: who holds the forum, and nothing else of A.
    expect(connect.text).toMatch(/already connected to another Discord server, \*\*Quokka Hall\*\*/);
    expect(leaks(connect.text.replace('Quokka Hall', ''))).toEqual([]);
  }, 180_000);
});
