/**
 * /solved credits the helper (service tier: every feature through the real ingestor, a real
 * SQLite database). The asker picks whose reply solved it from the likeliest replies; the helper is
 * thanked once, counted (journey, digest), the post tagged, and the question leaves every list.
 */
import { describe, expect, it } from 'vitest';
import solved from '../../../commands/solved.js';
import unanswered from '../../../commands/unanswered.js';
import type { Action } from '../../../src/actions.js';
import {
  type CommandContext,
  type CommandDefinition,
  type Deps,
  databaseOf,
  type Reply,
  runButton,
  runCommand,
} from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type CommunityEvent,
  type GuildId,
} from '../../../src/events.js';
import { buildDigest } from '../../../src/features/digest/service.js';
import { features } from '../../../src/features/index.js';
import { solvedByButton } from '../../../src/features/questions/buttons.js';
import { type ReplyFact, rankCandidates } from '../../../src/features/questions/pick.js';
import { scanAndNudge, waitingForDigest } from '../../../src/features/questions/service.js';
import { pickBody } from '../../../src/features/questions/solve.js';
import { changeSettings } from '../../../src/guildSettings.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger } from '../../../src/log.js';
import { makeTestDb } from '../../helpers/db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tuesday 2026-03-03 10:00 UTC. */
const T0 = Date.UTC(2026, 2, 3, 10);

async function community(options: { storeMessageText?: boolean } = {}) {
  const deps: Deps = {
    db: makeTestDb(),
    config: loadConfig({}),
    log: createLogger('silent'),
    status: { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const guildId: GuildId = asGuildId('g1');
  const base = { platform: 'discord' as const, guildId };
  const ingestor = new Ingestor(deps, features);
  const events: CommunityEvent[] = [
    { ...base, kind: 'guild.upserted', at: T0 - 60 * DAY, name: 'Shader Club' },
    {
      ...base,
      kind: 'channel.upserted',
      at: T0 - 60 * DAY,
      channelId: asChannelId('questions'),
      name: 'questions',
      channelKind: 'forum',
      parentId: null,
      topic: null,
    },
  ];
  for (const name of ['ada', 'bob', 'cyd', 'eve', 'fay']) {
    events.push({
      ...base,
      kind: 'member.joined',
      at: T0 - 50 * DAY,
      memberId: asMemberId(name),
      username: name,
      displayName: name[0]!.toUpperCase() + name.slice(1),
      bot: false,
      roles: [],
      moderator: name === 'ada',
    });
  }
  await ingestor.pushMany(events);
  if (options.storeMessageText) {
    await changeSettings(
      sqliteDatabase(deps.db),
      guildId,
      'system',
      'test',
      (s) => ({ ...s, core: { ...s.core, storeMessageText: true } }),
      T0,
    );
  }
  let seq = 0;
  const say = async (thread: string, author: string, content: string, at: number, replyTo: string | null = null) => {
    const messageId = `m${++seq}`;
    await ingestor.pushMany([
      {
        ...base,
        kind: 'message.created',
        at,
        messageId: asMessageId(messageId),
        channelId: asChannelId(thread),
        authorId: asMemberId(author),
        authorName: author,
        authorIsBot: false,
        replyToId: replyTo ? asMessageId(replyTo) : null,
        mentionIds: [],
        content,
      },
    ]);
    return messageId;
  };
  /** A forum post by `asker`: the thread, then its opening message (same id, as on Discord). */
  const post = async (id: string, asker: string, title: string, at: number) => {
    await ingestor.pushMany([
      {
        ...base,
        kind: 'thread.upserted',
        at,
        threadId: asChannelId(id),
        parentId: asChannelId('questions'),
        name: title,
        ownerId: asMemberId(asker),
        tags: [],
        archived: false,
        createdAt: at,
      },
      {
        ...base,
        kind: 'message.created',
        at,
        messageId: asMessageId(id),
        channelId: asChannelId(id),
        authorId: asMemberId(asker),
        authorName: asker,
        authorIsBot: false,
        replyToId: null,
        mentionIds: [],
        content: `${title} I tried everything, any idea?`,
      },
    ]);
  };
  const ctx = (member: string, channelId: string | null, now: number) => ({
    platform: 'discord' as const,
    guild: { id: guildId, name: 'Shader Club' },
    member: { id: asMemberId(member), displayName: member, moderator: member === 'ada' },
    channelId: channelId ? asChannelId(channelId) : null,
    deps,
    now,
  });
  const command = (def: CommandDefinition, member: string, channelId: string | null, now: number, options = {}) =>
    runCommand(def, { ...ctx(member, channelId, now), options } as CommandContext);
  const click = (customId: string, member: string, now: number) =>
    runButton(solvedByButton, { ...ctx(member, null, now), arg: customId.slice(customId.indexOf(':') + 1) });
  const outbox = () =>
    deps.db.$client.prepare('SELECT key, action FROM outbox ORDER BY id').all() as { key: string; action: string }[];
  const question = (id: string) =>
    deps.db.$client
      .prepare('SELECT solved_at, solved_via, accepted_answerer_id FROM questions WHERE question_id = ?')
      .get(id) as { solved_at: number | null; solved_via: string | null; accepted_answerer_id: string | null };
  return { deps, guildId, say, post, command, click, outbox, question };
}

/** A vulkan question answered by bob, then cyd; eve thanks cyd in a reply to cyd's message. */
async function answeredQuestion(options: { storeMessageText?: boolean } = {}) {
  const c = await community(options);
  await c.post('t1', 'eve', 'Vulkan swapchain recreation crashes on resize', T0 - 5 * HOUR);
  await c.say('t1', 'bob', 'Did you update the drivers?', T0 - 4 * HOUR);
  const cyds = await c.say(
    't1',
    'cyd',
    'Wait for the device to be idle before you recreate the swapchain',
    T0 - 3 * HOUR,
  );
  await c.say('t1', 'eve', 'That was it, thank you!', T0 - 2 * HOUR, cyds);
  return { ...c, cyds };
}

const text = (reply: Reply) => (reply.kind === 'message' || reply.kind === 'update' ? reply.body.content : '');
const buttons = (reply: Reply) => (reply.kind === 'message' ? (reply.body.buttons ?? []) : []);

describe('/solved credits the helper', () => {
  it('GIVEN replies by bob and cyd, and the asker answered cyd THEN /solved proposes cyd first, then bob, and nobody', async () => {
    const c = await answeredQuestion();
    const reply = await c.command(solved as CommandDefinition, 'eve', 't1', T0);
    expect(reply.kind === 'message' && reply.ephemeral).toBe(true);
    const content = text(reply);
    if (process.env.CONVENE_PRINT) console.log(content, buttons(reply));
    expect(content.split('\n')[0]).toBe(
      'Whose reply solved **Vulkan swapchain recreation crashes on resize**? The likeliest first:',
    );
    expect(content).toMatch(
      /^1\. \*\*Cyd\*\* \(you replied to it\) · \[their reply\]\(https:\/\/discord\.com\/channels\/g1\/t1\/m2\)$/m,
    );
    expect(content).toMatch(/^2\. \*\*Bob\*\* \(an earlier reply\)/m);
    expect(buttons(reply).map((b) => b.label)).toEqual(['✅ Cyd', 'Bob', 'Nobody in particular']);
    // Nothing is marked until the asker picks.
    expect(c.question('t1').solved_at).toBeNull();
  });

  it('GIVEN the asker picks cyd THEN solved with cyd credited, thanked once in the thread, the post tagged, journey and digest count her', async () => {
    const c = await answeredQuestion();
    const offer = await c.command(solved as CommandDefinition, 'eve', 't1', T0);
    const done = await c.click(buttons(offer)[0]!.id, 'eve', T0 + 1000);
    expect(done.kind).toBe('update');
    expect(text(done)).toBe('Marked solved. **Cyd** is thanked in the thread and counted as its helper.');
    expect(c.question('t1')).toMatchObject({ solved_via: 'command', accepted_answerer_id: 'cyd' });

    const rows = c.outbox().filter((r) => r.key.startsWith('questions:solved'));
    expect(rows.map((r) => r.key)).toEqual(['questions:solved-thanks:g1:t1', 'questions:solved-tag:g1:t1']);
    const thanks = JSON.parse(rows[0]!.action) as Extract<Action, { type: 'message.send' }>;
    expect(thanks.channelId).toBe('t1');
    expect(thanks.body.content).toBe(
      '✅ Solved. Thank you <@cyd> for [the answer](https://discord.com/channels/g1/t1/m2)!',
    );
    expect(thanks.body.mentions).toEqual({ members: ['cyd'] });
    expect(JSON.parse(rows[1]!.action)).toEqual({ type: 'thread.tag', threadId: 't1', tag: 'solved' });

    const credit = c.deps.db.$client.prepare('SELECT member_id, by_member_id FROM journey_solved').all();
    expect(credit).toEqual([{ member_id: 'cyd', by_member_id: 'eve' }]);
    const counters = c.deps.db.$client
      .prepare("SELECT counters FROM journey_members WHERE member_id = 'cyd'")
      .get() as { counters: string };
    expect(JSON.parse(counters.counters).solved.n).toBe(1);

    const { body } = await buildDigest(
      c.deps,
      c.guildId,
      { endDate: { year: 2026, month: 3, day: 9 }, period: '2026-W11' },
      Date.UTC(2026, 2, 9, 9),
      [{ feature: 'questions', source: features.find((f) => f.name === 'questions')!.digest! }],
    );
    const helped = body.embeds?.[0]?.fields?.find((f) => f.name.includes('helped most'))?.value ?? '';
    expect(helped.split('\n')[0]).toBe('**Cyd** (1 solution)');

    // A second click (or another moderator) changes nothing and thanks nobody again.
    const again = await c.click(buttons(offer)[1]!.id, 'ada', T0 + 2000);
    expect(text(again)).toBe('This question was already marked solved.');
    expect(c.question('t1').accepted_answerer_id).toBe('cyd');
    expect(c.outbox().filter((r) => r.key.startsWith('questions:solved'))).toHaveLength(2);
  });

  it('GIVEN a solved question THEN it leaves /unanswered, the digest waiting list and the nudges', async () => {
    const c = await answeredQuestion();
    // A second, open question with no reply: the lists are not empty for another reason.
    await c.post('t2', 'fay', 'Vulkan validation layers missing on macOS', T0 - 5 * HOUR);
    const before = (await waitingForDigest(databaseOf(c.deps), c.guildId, T0)).map((q) => q.threadId);
    expect(before).toContain('t2');
    await c.command(solved as CommandDefinition, 'eve', 't1', T0, { helper: asMemberId('cyd') });
    expect(c.question('t1').accepted_answerer_id).toBe('cyd');
    expect((await waitingForDigest(databaseOf(c.deps), c.guildId, T0 + HOUR)).map((q) => q.threadId)).toEqual(['t2']);
    const list = text(await c.command(unanswered as CommandDefinition, 'bob', null, T0 + HOUR));
    expect(list).not.toContain('swapchain');
    await scanAndNudge(databaseOf(c.deps), c.guildId, T0 + 2 * DAY);
    const nudged = c.outbox().filter((r) => r.key.startsWith('questions:') && r.key.includes(':t1'));
    expect(nudged.map((r) => r.key).filter((k) => !k.startsWith('questions:solved'))).toEqual([]);
  });

  it('GIVEN a guild that stores message text THEN each candidate shows a snippet of their reply, as text', async () => {
    const c = await answeredQuestion({ storeMessageText: true });
    await c.say('t1', 'fay', '**@everyone** try <@&123> [this](https://example.com) _now_', T0 - HOUR);
    const content = text(await c.command(solved as CommandDefinition, 'eve', 't1', T0));
    if (process.env.CONVENE_PRINT) console.log(content);
    expect(content).toContain(
      '1. **Cyd** (you replied to it) — “Wait for the device to be idle before you recreate the swapchain” · [their reply]',
    );
    const fay = content.split('\n').find((l) => l.includes('**Fay**')) ?? '';
    expect(fay).toContain(
      '(the latest reply) — “\\*\\*@\u200beveryone\\*\\* try \\<@\u200b&123\\> \\[this\\]\\(https://example.com\\) \\_now\\_”',
    );
  });

  it('GIVEN the asker picks "Nobody in particular" THEN solved, nobody credited or thanked', async () => {
    const c = await answeredQuestion();
    const offer = await c.command(solved as CommandDefinition, 'eve', 't1', T0);
    const nobody = buttons(offer).find((b) => b.label === 'Nobody in particular')!;
    expect(text(await c.click(nobody.id, 'eve', T0 + 1000))).toBe('Marked solved. Thanks for closing the loop!');
    expect(c.question('t1')).toMatchObject({ solved_via: 'command', accepted_answerer_id: null });
    expect(c.outbox().map((r) => r.key)).not.toContain('questions:solved-thanks:g1:t1');
    expect(c.deps.db.$client.prepare('SELECT * FROM journey_solved').all()).toEqual([]);
  });

  it('GIVEN someone who is neither the asker nor a moderator THEN they cannot mark it, by command or by button', async () => {
    const c = await answeredQuestion();
    const tried = await c.command(solved as CommandDefinition, 'bob', 't1', T0);
    expect(text(tried)).toBe('Only the person who asked (or a moderator) can mark this question solved.');
    const offer = await c.command(solved as CommandDefinition, 'eve', 't1', T0);
    const clicked = await c.click(buttons(offer)[1]!.id, 'bob', T0 + 1000);
    expect(text(clicked)).toBe('Only the person who asked (or a moderator) can mark this question solved.');
    expect(c.question('t1').solved_at).toBeNull();
  });

  it('GIVEN no reply by anyone else THEN /solved marks it solved with nobody credited, and still tags the post', async () => {
    const c = await community();
    await c.post('t3', 'eve', 'Vulkan sparse binding', T0 - HOUR);
    const done = await c.command(solved as CommandDefinition, 'eve', 't3', T0);
    expect(text(done)).toBe('Marked solved. Thanks for closing the loop!');
    expect(c.question('t3')).toMatchObject({ solved_via: 'command', accepted_answerer_id: null });
    expect(c.outbox().map((r) => r.key)).toContain('questions:solved-tag:g1:t3');
    expect(c.outbox().map((r) => r.key)).not.toContain('questions:solved-thanks:g1:t3');
  });

  it('GIVEN /solved helper: someone who did not reply THEN a clear error and nothing marked', async () => {
    const c = await answeredQuestion();
    const reply = await c.command(solved as CommandDefinition, 'eve', 't1', T0, { helper: asMemberId('fay') });
    expect(text(reply)).toMatch(/^That member has not replied to this question/);
    expect(c.question('t1').solved_at).toBeNull();
  });
});

describe('what the asker reads on the forum (no buttons there)', () => {
  it('GIVEN the forum THEN the pick names the command with the likeliest helper, and carries no buttons', async () => {
    const body = pickBody({
      kind: 'pick',
      buttons: false,
      title: 'Shadow acne on terrain',
      questionId: '5864',
      candidates: [
        {
          messageId: '9',
          memberId: '7',
          name: 'Sir Nate',
          username: 'SirNate0',
          at: T0,
          content: null,
          hint: 'the latest reply',
          url: 'https://discourse.urho3d.io/t/5864',
        },
      ],
    });
    expect(body.buttons).toBeUndefined();
    expect(body.content.split('\n').at(-1)).toBe(
      'Name one with `/solved helper:@SirNate0` (or mark their post as the solution): they are thanked and counted as its helper.',
    );
  });
});

describe('ranking the replies (pure)', () => {
  const m = (id: string, author: string, at: number, replyToId: string | null = null): ReplyFact => ({
    messageId: id,
    channelId: 't',
    authorId: author,
    authorName: author,
    username: author,
    bot: author === 'bot',
    left: author === 'gone',
    createdAt: at,
    replyToId,
    content: null,
  });

  it.each([
    ['the latest reply wins when the asker answered none', [m('a', 'bob', 1), m('b', 'cyd', 2)], ['cyd', 'bob']],
    [
      'the reply the asker answered wins over a later one',
      [m('a', 'bob', 1), m('b', 'cyd', 2), m('c', 'asker', 3, 'a')],
      ['bob', 'cyd'],
    ],
    [
      'bots, people who left and the asker are never candidates',
      [m('a', 'bot', 1), m('b', 'gone', 2), m('c', 'asker', 3)],
      [],
    ],
    [
      'one candidate per member, at most four',
      ['b1', 'b2', 'c', 'd', 'e', 'f'].map((id, i) => m(id, id.slice(0, 1), i + 1)),
      ['f', 'e', 'd', 'c'],
    ],
  ])('GIVEN %s', async (_name, messages, expected) => {
    expect(rankCandidates({ askerId: 'asker', askedAt: 0, messages }).map((c) => c.memberId)).toEqual(expected);
  });
});
