/**
 * Fault suite — member text stays text: a seeded fuzz of everything members control (display
 * names, usernames, channel and question titles, profile about and interests, a custom welcome, the
 * community's "why", command options) filled with @everyone, @here, role and member mentions,
 * masked links, backticks, escapes, bidi controls and very long strings. Every command's reply (as a
 * moderator and as a member), every button's, and every scheduled message (welcome, nudges, intro
 * threads, digests) goes through the real renderers — the Discord JSON our sender posts and the
 * markdown our Discourse sender posts, cooked by markdown-it as Discourse cooks it — and is judged:
 * no mention nobody chose, no masked link from member text, no bidi control, every part within the
 * platform's limits.
 */
import { asc } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Action, MessageBody } from '../../src/actions.js';
import {
  type ButtonDefinition,
  type CommandDefinition,
  type Deps,
  type OptionSpec,
  type Reply,
  type RuntimeStatus,
  runButton,
  runCommand,
} from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import { outbox } from '../../src/db/schema.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  asRoleId,
  type ChannelKind,
  type CommunityEvent,
} from '../../src/events.js';
import { features } from '../../src/features/index.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { createLogger } from '../../src/log.js';
import { makeTestDb } from '../helpers/db.js';
import { FOREIGN, type Judge, judgeDiscord, judgeDiscourse, type Leak } from './markup.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2026-03-02 10:00 UTC. */
const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

/** mulberry32: a small seeded PRNG, so every run of a seed does the same things. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What hostile or careless member text is made of. */
const PIECES = [
  '@everyone',
  '@here',
  '@staff',
  '@admins',
  '@user1',
  `<@${FOREIGN.userId}>`,
  `<@!${FOREIGN.userId}>`,
  `<@&${FOREIGN.roleId}>`,
  `<#${FOREIGN.channelId}>`,
  `[click](https://${FOREIGN.host})`,
  `[free nitro](https://${FOREIGN.host}/gift "title")`,
  `[x](<https://${FOREIGN.host}/a b>)`,
  `https://${FOREIGN.host}/bare`,
  '`@staff`',
  '\\`@staff\\`',
  `\\\`<@${FOREIGN.userId}>\\\``,
  '``@here``',
  '**',
  '__',
  '`',
  '```',
  '\\',
  '||',
  '~~',
  '> quoted',
  '# heading',
  '-# small',
  '\u202E',
  '\u2066',
  '\u200F',
  '\u061C',
  'gpj.exe',
  '{member}',
  '{server}',
  '{first_step}',
  '{channels}',
  'vulkan shader',
  'descriptor sets',
  'ray tracing',
  'hello there',
  'émoji 😀 ok',
];

function fuzzer(random: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  return {
    pick,
    random,
    /**
     * A moderator's own text (the custom welcome): its links and member mentions are the moderator's
     * choice and stay; the rest of the hostile pieces must still come out harmless.
     */
    moderatorText(max: number): string {
      let out = '';
      while (out === '' || /\]\(|<@!?\d|<#\d/.test(out)) out = this.text(max);
      return out;
    },
    /** A member-controlled string, sometimes very long; at most `max` characters when given. */
    text(max?: number): string {
      const n = 1 + Math.floor(random() * 7);
      let out = Array.from({ length: n }, () => pick(PIECES)).join(random() < 0.7 ? ' ' : '');
      if (random() < 0.15) out = out.repeat(Math.ceil((2000 + random() * 5000) / Math.max(1, out.length)));
      return max === undefined ? out : out.slice(0, max);
    },
  };
}

const snowflake = (n: number) => String(100_000_000_000_000_000n + BigInt(n));

interface Collected {
  where: string;
  body: MessageBody;
  thread?: string;
}

async function fuzzRun(seed: number) {
  const f = fuzzer(prng(seed));
  const db = makeTestDb();
  const guildId = asGuildId(snowflake(1));
  const status: RuntimeStatus = { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } };
  const deps: Deps = { db, config: loadConfig({}), log: createLogger('silent'), status, wakeOutbox: () => {} };
  const ingestor = new Ingestor(deps, features);
  const base = { platform: 'discord' as const, guildId };
  const events: CommunityEvent[] = [];

  const memberIds = Array.from({ length: 8 }, (_, i) => snowflake(100 + i));
  const mod = snowflake(99);
  const newcomer = snowflake(200);
  const roleId = snowflake(300);
  const channel = (n: string) => asChannelId(snowflake(10 + ['general', 'help', 'intros', 'welcome'].indexOf(n)));

  events.push({ ...base, kind: 'guild.upserted', at: T0 - 60 * DAY, name: f.text(100) });
  for (const [name, kind] of [
    ['general', 'text'],
    ['help', 'forum'],
    ['intros', 'text'],
    ['welcome', 'text'],
  ] as const) {
    events.push({
      ...base,
      kind: 'channel.upserted',
      at: T0 - 60 * DAY,
      channelId: channel(name),
      name: f.random() < 0.5 ? name : f.text(100),
      channelKind: kind as ChannelKind,
      parentId: null,
      topic: null,
    });
  }
  for (const id of [mod, ...memberIds]) {
    events.push({
      ...base,
      kind: 'member.joined',
      at: T0 - 50 * DAY,
      memberId: asMemberId(id),
      username: `user${memberIds.indexOf(id) + 1}`,
      displayName: f.text(32),
      bot: false,
      roles: [],
      moderator: id === mod,
    });
  }
  let seq = 0;
  const message = (author: string, channelId: string, at: number, content: string, replyTo?: string) => {
    const messageId = snowflake(10_000 + ++seq);
    events.push({
      ...base,
      kind: 'message.created',
      at,
      messageId: asMessageId(messageId),
      channelId: asChannelId(channelId),
      authorId: asMemberId(author),
      authorName: author,
      authorIsBot: false,
      replyToId: replyTo ? asMessageId(replyTo) : null,
      mentionIds: [],
      content,
    });
    return messageId;
  };
  /** A question in the forum: its thread (the title a member wrote) and its opening post. */
  const ask = (asker: string, at: number, n: number) => {
    const threadId = snowflake(50_000 + n);
    const title = f.text(100);
    events.push({
      ...base,
      kind: 'thread.upserted',
      at,
      threadId: asChannelId(threadId),
      parentId: channel('help'),
      name: title,
      ownerId: asMemberId(asker),
      tags: [],
      archived: false,
      createdAt: at,
    });
    message(asker, threadId, at, `${title} vulkan shader descriptor help?`);
    return threadId;
  };
  // Weeks of history: chatter (topics for intros), questions in the forum with member-written titles,
  // some answered (expertise for nudges), some still open (for /unanswered and the nudge scan).
  for (let d = 30; d >= 1; d--) {
    for (const [i, m] of memberIds.entries()) {
      if ((d + i) % 3 !== 0) continue;
      message(m, channel('general'), T0 - d * DAY + i * HOUR, `${f.pick(PIECES)} vulkan shader descriptor pipeline`);
    }
    if (d % 2 === 0) {
      const asker = f.pick(memberIds);
      const at = T0 - d * DAY - 3 * HOUR;
      const threadId = ask(asker, at, d);
      if (d > 6)
        message(f.pick(memberIds.filter((m) => m !== asker)), threadId, at + HOUR, 'try the vulkan shader fix');
    }
  }
  ask(f.pick(memberIds), T0 - HOUR, 100); // fresh and open: peers are nudged about it
  await ingestor.pushMany(events);

  const collected: Collected[] = [];
  let now = T0;
  const ctxFor = (as: string) => ({
    platform: 'discord' as const,
    guild: { id: guildId, name: f.text(100) },
    member: { id: asMemberId(as), displayName: f.text(32), moderator: as === mod },
    channelId: channel('general'),
    deps,
    now,
  });
  // biome-ignore lint/suspicious/noExplicitAny: any command definition
  const run = async (def: CommandDefinition<any>, options: Record<string, unknown>, as: string, label: string) => {
    const r: Reply = await runCommand(def, { ...ctxFor(as), options: options as never });
    collected.push({ where: `/${def.name} (${label})`, body: r.body });
    return r;
  };
  const byName = new Map(features.flatMap((x) => x.commands).map((c) => [c.name, c]));
  const command = (name: string) => byName.get(name)!;

  // Set-up as a moderator would do it, with member-controlled text where members control it.
  await run(command('convene digest set'), { channel: channel('general') }, mod, 'set-up');
  await run(command('convene intros set'), { channel: channel('intros'), size: 2 }, mod, 'set-up');
  await run(
    command('convene welcome set'),
    { channel: channel('welcome'), dm: true, both: true, text: f.moderatorText(1500) },
    mod,
    'set-up',
  );
  await run(command('convene why set'), { why: f.text(300) }, mod, 'set-up');
  await run(
    command('convene questions set'),
    { channels: 'auto', enabled: true, helpers: asRoleId(roleId) },
    mod,
    'set-up',
  );
  for (const m of memberIds) {
    await run(command('profile set'), { interests: f.text(200), about: f.text(300) }, m, 'set-up');
    await run(command('intros join'), {}, m, 'set-up');
    await run(command('digest me on'), {}, m, 'set-up');
  }
  await ingestor.pushMany([
    {
      ...base,
      kind: 'member.joined',
      at: T0,
      memberId: asMemberId(newcomer),
      username: 'newcomer',
      displayName: f.text(32),
      bot: false,
      roles: [],
      moderator: false,
    },
  ]);

  // Every scheduled job, as the scheduler runs them, a few hours on (nudges wait for their delay).
  const runJobs = async (from: number) => {
    for (const at of [from + 5 * HOUR, from + 2 * DAY]) {
      for (const job of features.flatMap((x) => x.jobs)) {
        const s = job.schedule;
        if (s.kind === 'scan') await job.run(deps, guildId, 'scan', at);
        else {
          const schedule = await s.scheduleFor(deps, guildId);
          if (schedule) await job.run(deps, guildId, s.periodOf(at, schedule), at);
        }
      }
    }
  };
  // First with the set-up alone (the loop below turns things off at random), then again after it.
  await runJobs(T0);
  now = T0 + 3 * DAY;

  // Every command, as a moderator and as a member, with generated options.
  const optionValue = (spec: OptionSpec, template: boolean): unknown => {
    switch (spec.type) {
      case 'string':
        if (template) return f.moderatorText(spec.maxLength ?? 1500);
        // Discord enforces maxLength before the bot sees an option; 6000 is its cap for any string.
        return spec.choices ? f.pick(spec.choices) : f.text(spec.maxLength ?? 6000);
      case 'integer':
        return spec.min ?? 1;
      case 'boolean':
        return f.random() < 0.5;
      case 'member':
        return asMemberId(f.pick(memberIds));
      case 'channel':
        return channel(f.pick(['general', 'help', 'intros', 'welcome']));
      case 'role':
        return asRoleId(roleId);
      case 'attachment':
        return undefined;
    }
  };
  const buttonsById = new Map(features.flatMap((x) => x.buttons).map((b) => [b.id, b] as [string, ButtonDefinition]));
  for (const def of byName.values()) {
    // Importing a configuration file fetches it from Discord's CDN: no file, nothing to show.
    if (Object.values(def.options as Record<string, OptionSpec>).some((o) => o.type === 'attachment' && o.required))
      continue;
    if (def.name === 'privacy delete') continue; // run last: it erases what the others show
    for (const as of [mod, f.pick(memberIds)]) {
      const options = Object.fromEntries(
        Object.entries(def.options as Record<string, OptionSpec>).map(([k, spec]) => [
          k,
          optionValue(spec, def.name === 'convene welcome set' && k === 'text'),
        ]),
      );
      const r = await run(def, options, as, as === mod ? 'moderator' : 'member');
      for (const b of r.body.buttons ?? []) {
        const [prefix, arg = ''] = [b.id.slice(0, b.id.indexOf(':')), b.id.slice(b.id.indexOf(':') + 1)];
        const button = buttonsById.get(prefix);
        if (!button || prefix === 'privacy-delete') continue;
        const br = await runButton(button, { ...ctxFor(as), arg, fields: { note: f.text(1000), text: f.text(1000) } });
        collected.push({ where: `button ${prefix} after /${def.name}`, body: br.body });
      }
    }
  }

  events.length = 0;
  ask(f.pick(memberIds), now - HOUR, 101);
  await ingestor.pushMany(events);
  await runJobs(now);
  const rows = db.select({ key: outbox.key, action: outbox.action }).from(outbox).orderBy(asc(outbox.id)).all();
  if (process.env.FUZZ_DEBUG) console.log(rows.map((r) => r.key).join('\n'));
  for (const { key, action } of rows as { key: string; action: Action }[]) {
    if (action.type === 'message.send' || action.type === 'dm.send') collected.push({ where: key, body: action.body });
    if (action.type === 'thread.create') collected.push({ where: key, body: action.body, thread: action.name });
  }

  const known = new Set([mod, newcomer, ...memberIds]);
  const forumName = (id: string) => (known.has(id) ? `user${memberIds.indexOf(id) + 1}` : undefined);
  const judge: Judge = {
    memberIds: known,
    roleIds: new Set([roleId]),
    forum: {
      baseUrl: 'https://forum.example',
      usernameOf: forumName,
      groupNameOf: (id) => (id === roleId ? 'helpers' : undefined),
      botUsername: 'convene',
      commands: [...byName.keys()],
      channelNameOf: () => f.text(100),
    },
    forumUsers: ['user0', ...memberIds.map((_, i) => `user${i + 1}`), 'convene'],
    forumGroups: ['staff', 'admins', 'moderators', 'helpers', 'trust_level_0'],
  };
  const leaks: Leak[] = [];
  for (const c of collected) {
    leaks.push(...judgeDiscord(c.body, c.where, judge, c.thread));
    leaks.push(...judgeDiscourse(c.body, c.where, judge));
  }
  return { bodies: collected.length, scheduled: rows.length, leaks };
}

describe('fault suite: member text stays text', () => {
  it.each([11, 2026, 90210])(
    'GIVEN seed %i: hostile member text everywhere THEN no reply or scheduled message shows a mention, a masked link or a bidi control from it, and all fit the limits',
    async (seed) => {
      const { bodies, scheduled, leaks } = await fuzzRun(seed);
      const count = (kind: string) => leaks.filter((l) => l.kind === kind).length;
      const summary = `seed ${seed}: ${bodies} messages (${scheduled} scheduled) judged on Discord and Discourse — mention ${count('mention')}, ping ${count('ping')}, link ${count('link')}, bidi ${count('bidi')}, limit ${count('limit')}`;
      console.log(summary);
      if (process.env.FUZZ_DEBUG) for (const l of leaks) console.log(JSON.stringify(l));
      const where = [...new Set(leaks.map((l) => `${l.platform} ${l.kind} in ${l.where.split(' (')[0]}`))];
      expect(bodies).toBeGreaterThan(80);
      expect(where, summary).toEqual([]);
    },
    120_000,
  );
});
