/**
 * npm run demo [-- --once]: the real bot against the local Discord emulator, with a demo community
 * replayed at high speed from a real public chat log (Ubuntu IRC, CC BY 4.0 — see
 * assets/demo/ubuntu-irc/ATTRIBUTION.md), printing in the terminal what the bot does.
 * `--once` replays, lets the bot act, prints a summary and exits 0 (the tests use it).
 */
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type App, startApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { beginDemoForum, startDemoForum } from './demo/discourse.js';
import { type IrcLine, loadIrcSample } from './demo/ircLog.js';
import { type DiscordSandbox, type RecordedRequest, startDiscordSandbox } from './discord/index.js';
import type { GuildHandle } from './discord/world.js';

const HOUR = 3_600_000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const once = process.argv.includes('--once');
const quiet = process.argv.includes('--quiet');
const say = (line = '') => process.stdout.write(`${line}\n`);

const SAMPLES: { name: string; endsHoursAgo: number; stretch: number }[] = [
  // Older history: about a week ago, stretched so it spans a day.
  { name: '2011-11-13_02', endsHoursAgo: 150, stretch: 8 },
  // Recent: the last day, ending a few hours ago, so some questions are still waiting and some
  // members joined within the last 24 hours.
  { name: '2016-12-19_20', endsHoursAgo: 5, stretch: 6 },
];

interface Demo {
  sandbox: DiscordSandbox;
  guild: GuildHandle;
  moderator: string;
  users: Map<string, string>;
}

async function buildCommunity(now: number): Promise<Demo> {
  const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000 });
  const guild = sandbox.createGuild({
    name: 'Ubuntu Help (demo)',
    at: now - 120 * 24 * HOUR,
    channels: [
      { name: 'welcome', type: 'text', topic: 'Start here' },
      { name: 'introductions', type: 'text', topic: 'Say who you are and what you run' },
      { name: 'general', type: 'text', topic: 'Ubuntu chat' },
      { name: 'help', type: 'text', topic: 'Ask anything about Ubuntu' },
      { name: 'questions', type: 'forum', topic: 'Longer questions', tags: ['solved', 'install', 'network'] },
      { name: 'intros', type: 'text', topic: 'Introductions made by Convene' },
    ],
  });
  const mod = sandbox.addUser({ username: 'demo-mod', globalName: 'Demo Moderator', at: now - 100 * 24 * HOUR });
  sandbox.addMember(guild.id, mod.id, {
    at: now - 100 * 24 * HOUR,
    roles: guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
  });
  return { sandbox, guild, moderator: mod.id, users: new Map() };
}

/** Replay the samples through the emulator: members join before they first speak, replies stay replies. */
function replay(demo: Demo, now: number): { messages: number; members: number; forumPosts: number } {
  const { sandbox, guild, users } = demo;
  const dir = join(root, 'assets/demo/ubuntu-irc');
  let messages = 0;
  let forumPosts = 0;
  for (const sample of SAMPLES) {
    const lines = loadIrcSample(dir, sample.name);
    const span = (lines.at(-1)?.minute ?? 0) * 60_000 * sample.stretch;
    const start = now - sample.endsHoursAgo * HOUR - span;
    const at = (line: IrcLine) => start + line.minute * 60_000 * sample.stretch + (line.index % 60) * 1000;
    const byIndex = new Map(lines.map((l) => [l.index, l]));
    const replyCount = new Map<number, number>();
    for (const l of lines) if (l.replyTo !== null) replyCount.set(l.replyTo, (replyCount.get(l.replyTo) ?? 0) + 1);
    const rootOf = (l: IrcLine): IrcLine => {
      let current = l;
      for (let hops = 0; current.replyTo !== null && hops < 50; hops++) {
        const parent = byIndex.get(current.replyTo);
        if (!parent) break;
        current = parent;
      }
      return current;
    };
    const posted = new Map<number, { id: string; channelId: string }>();
    const forumThreads = new Map<number, string>();
    for (const line of lines) {
      let userId = users.get(line.nick);
      if (!userId) {
        const user = sandbox.addUser({
          username: line.nick.toLowerCase().slice(0, 32),
          globalName: line.nick,
          at: at(line) - 30 * 24 * HOUR,
        });
        sandbox.addMember(guild.id, user.id, { at: at(line) - 10 * 60_000 });
        userId = user.id;
        users.set(line.nick, userId);
      }
      const root = rootOf(line);
      // A question that started a real conversation becomes a forum post; its replies go in the thread.
      if (
        line === root &&
        line.text.trim().endsWith('?') &&
        (replyCount.get(line.index) ?? 0) >= 2 &&
        line.text.length > 30
      ) {
        const post = sandbox.openForumPost(guild.id, guild.channels.questions!, userId, {
          title: line.text.slice(0, 90),
          content: line.text,
          at: at(line),
        });
        forumThreads.set(line.index, post.thread.id);
        posted.set(line.index, { id: post.message.id, channelId: post.thread.id });
        forumPosts++;
        messages++;
        continue;
      }
      const thread = forumThreads.get(root.index);
      const channelId = thread ?? guild.channels.help!;
      const target = line.replyTo !== null ? posted.get(line.replyTo) : undefined;
      // IRC addresses people as "nick: …"; on Discord that is a mention, which pings and carries no topic.
      const addressed = /^([\w[\]\\`^{}|-]+)[:,] /.exec(line.text);
      const addressee = addressed ? users.get(addressed[1]!) : undefined;
      const content = addressee ? `<@${addressee}> ${line.text.slice(addressed![0].length)}` : line.text;
      const message = sandbox.say(guild.id, channelId, userId, content, {
        ...(addressee ? { mentions: [addressee] } : {}),
        at: at(line),
        ...(target && target.channelId === channelId ? { replyTo: target.id } : {}),
      });
      posted.set(line.index, { id: message.id, channelId });
      messages++;
    }
  }
  return { messages, members: users.size, forumPosts };
}

/** Prints every REST call the bot makes, as a person would read it. */
function narrator(demo: Demo) {
  let seen = 0;
  const name = (channelId: string) => {
    const channel = demo.sandbox.channel(channelId);
    if (!channel) return channelId;
    if (channel.recipientId) return `DM to ${demo.sandbox.user(channel.recipientId)?.username ?? channel.recipientId}`;
    return channel.type === 11 || channel.type === 12 ? `thread “${channel.name}”` : `#${channel.name}`;
  };
  const text = (body: unknown) => {
    const b = body as { content?: string; embeds?: { title?: string; description?: string }[] } | null;
    const parts = [b?.content ?? '', ...(b?.embeds ?? []).map((e) => `[${e.title ?? ''}] ${e.description ?? ''}`)];
    return parts
      .join(' ')
      .replace(/<@!?(\d+)>/g, (_, id: string) => `@${demo.sandbox.user(id)?.username ?? id}`)
      .replace(/<#(\d+)>/g, (_, id: string) => `#${demo.sandbox.channel(id)?.name ?? id}`)
      .replace(/\s+/g, ' ')
      .trim();
  };
  const describe = (r: RecordedRequest): string | null => {
    if (r.status >= 400) return `✗ ${r.method} ${r.path} → ${r.status}`;
    const channel = /^\/channels\/(\d+)\/messages$/.exec(r.path);
    if (r.method === 'POST' && channel) return `${name(channel[1]!)} ← ${text(r.body).slice(0, 160)}`;
    const threads = /^\/channels\/(\d+)\/threads$/.exec(r.path);
    if (r.method === 'POST' && threads)
      return `opened a private thread in ${name(threads[1]!)}: “${(r.body as { name?: string }).name}”`;
    const role = /^\/guilds\/\d+\/members\/(\d+)\/roles\/(\d+)$/.exec(r.path);
    if (role)
      return `${r.method === 'PUT' ? 'gave' : 'removed'} role ${role[2]} ${r.method === 'PUT' ? 'to' : 'from'} ${demo.sandbox.user(role[1]!)?.username}`;
    return null;
  };
  return {
    flush(): number {
      let printed = 0;
      const requests = demo.sandbox.requests;
      for (; seen < requests.length; seen++) {
        const line = describe(requests[seen]!);
        if (line && !quiet) {
          say(`  [bot] ${line}`);
          printed++;
        }
      }
      return printed;
    },
  };
}

async function command(demo: Demo, userId: string, path: string, options: Record<string, unknown> = {}) {
  const registered = new Set(demo.sandbox.commands().map((c) => c.name as string));
  if (!registered.has(path.split(' ')[0]!)) return null;
  try {
    const result = await demo.sandbox.runCommand(
      demo.guild.id,
      demo.guild.channels.general!,
      userId,
      path,
      options as never,
    );
    return result;
  } catch (error) {
    say(`  (demo) /${path} could not run: ${(error as Error).message}`);
    return null;
  }
}

async function settle(app: App, narrate: ReturnType<typeof narrator>, ms = 1_500) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const drain of app.drains) drain.wake();
    narrate.flush();
    await new Promise((r) => setTimeout(r, 100));
  }
  narrate.flush();
}

async function main() {
  const now = Date.now();
  say('Convene demo: the real bot on a local Discord emulator, with a community replayed from a real chat log.');
  say(
    'Data: Ubuntu IRC disentanglement corpus, Kummerfeld et al. (ACL 2019), CC BY 4.0 — assets/demo/ubuntu-irc/ATTRIBUTION.md',
  );
  const demo = await buildCommunity(now);
  const forum = await startDemoForum();
  const dbPath = join(root, 'data/demo.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const config = loadConfig({
    DISCORD_TOKEN: demo.sandbox.botToken,
    DISCORD_API_URL: demo.sandbox.apiUrl,
    DATABASE_URL: `file:${dbPath}`,
    LOG_LEVEL: 'warn',
    HTTP_PORT: '0',
    CONVENE_SCAN_INTERVAL: '5m',
    ...forum.env,
  });
  const app = await startApp(config, createLogger('warn'), { runScheduler: false, drain: { idleMs: 100 } });
  const narrate = narrator(demo);
  say(
    `Emulator at ${demo.sandbox.apiUrl}; bot connected (${app.deps.status.intents.messageContent ? 'with' : 'without'} Message Content).`,
  );

  say('\n— Moderator sets Convene up');
  const mod = demo.moderator;
  const ch = demo.guild.channels;
  await command(demo, mod, 'convene why set', {
    text: 'People who run Ubuntu help each other get unstuck, and newcomers become helpers.',
  });
  await command(demo, mod, 'convene welcome set', { channel: ch.welcome, dm: true });
  await command(demo, mod, 'convene digest set', {
    channel: ch.general,
    day: 'monday',
    time: '09:00',
    timezone: 'UTC',
  });
  await command(demo, mod, 'convene intros set', {
    channel: ch.intros,
    every: '1w',
    day: 'monday',
    time: '10:00',
    timezone: 'UTC',
    size: 2,
  });
  await settle(app, narrate, 300);
  const onForum = await beginDemoForum(forum, app, { say, quiet });

  say('\n— Replaying the community (two real #ubuntu samples, shifted into the last week)');
  const counts = replay(demo, now);
  say(`  ${counts.messages} messages, ${counts.forumPosts} of them forum questions, by ${counts.members} members`);
  const stored = () => (app.deps.db.$client.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  const deadline = Date.now() + 60_000;
  while (stored() < counts.messages && Date.now() < deadline) await settle(app, narrate, 200);
  say(`  Convene stored ${stored()} messages (ids, times, reply links and keywords; no message text).`);
  await settle(app, narrate, 1_000);

  say('\n— Some members join introductions');
  const active = [...demo.users.values()].slice(0, 24);
  for (const userId of active) await command(demo, userId, 'intros join');
  await settle(app, narrate, 300);

  say('\n— One community on two platforms: the moderator connects the server to the forum');
  const connected = await command(demo, mod, 'convene forum connect');
  if (connected) say(`  /convene forum connect → ${connected.content?.split('\n')[0]}`);
  const linker = active[1]!;
  const asked = await command(demo, linker, 'link discourse', { username: 'mei' });
  if (asked) say(`  /link discourse username:mei → ${asked.content?.replace(/\s+/g, ' ').slice(0, 160)}`);
  await settle(app, narrate, 300);
  await onForum.settle();
  const code = /code:(\d{6})/.exec(
    forum.sandbox
      .privateMessagesTo('mei')
      .flatMap((pm) => pm.posts)
      .map((p) => p.raw)
      .join('\n'),
  )?.[1];
  if (code) {
    const linked = await command(demo, linker, 'link confirm', { code });
    if (linked) say(`  /link confirm code:${code} → ${linked.content?.replace(/\s+/g, ' ').slice(0, 200)}`);
  }

  say('\n— The scheduler runs (nudges for unanswered questions, journey sweep)');
  await app.scheduler.tick(now);
  await settle(app, narrate, 2_000);

  say('\n— A member asks who to meet');
  const meet = await command(demo, active[0]!, 'meet');
  if (meet) say(`  /meet → ${meet.content?.replace(/\s+/g, ' ').slice(0, 300)}`);

  say('\n— Intro round and weekly digest, on demand');
  await command(demo, mod, 'convene intros run-now');
  const digest = await command(demo, mod, 'convene digest post-now');
  // Let the outbox send everything decided so far, at Discord's pace.
  const pending = () =>
    (app.deps.db.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;
  const until = Date.now() + 120_000;
  while (pending() > 0 && Date.now() < until) await settle(app, narrate, 500);
  const posted = demo.sandbox.messagesIn(ch.general!).filter((m) => m.authorId === demo.sandbox.botUserId);
  if (posted.length) {
    say('\n— The digest as members see it in #general:');
    const last = posted.at(-1)!;
    say(last.content);
    for (const embed of last.embeds as {
      title?: string;
      description?: string;
      fields?: { name: string; value: string }[];
    }[]) {
      if (embed.title) say(`## ${embed.title}`);
      if (embed.description) say(embed.description);
      for (const f of embed.fields ?? []) say(`**${f.name}**\n${f.value}`);
    }
  } else if (digest) {
    say(`  /convene digest post-now → ${digest.content}`);
  }

  const forumCounts = await onForum.finish();

  const sent = demo.sandbox.requests.filter(
    (r) => r.method === 'POST' && /\/messages$/.test(r.path) && r.status < 300,
  ).length;
  const pings = demo.sandbox
    .messagesIn(ch.help!)
    .concat(demo.sandbox.messagesIn(ch.general!))
    .filter((m) => m.authorId === demo.sandbox.botUserId && m.pinged.everyone);
  say(
    `\nSummary: ${sent} messages sent by Convene, ${pings.length} @everyone pings, ${demo.sandbox.rateLimitHits.user + demo.sandbox.rateLimitHits.global} rate-limit hits.`,
  );
  say(`Forum: ${forumCounts.botPosts} posts by Convene on Discourse, from ${forumCounts.webhooks} signed webhooks.`);

  if (once) {
    const ok = stored() > 0;
    await app.stop();
    await demo.sandbox.close();
    await forum.sandbox.close();
    // Everything is closed: the process ends by itself, with this code.
    process.exitCode = ok ? 0 : 1;
    return;
  }
  say(`\nThe demo community stays up: the emulator is at ${demo.sandbox.apiUrl}. Press Ctrl-C to stop.`);
  app.scheduler.start();
  const timer = setInterval(() => narrate.flush(), 500);
  const stop = async () => {
    clearInterval(timer);
    await app.stop();
    await demo.sandbox.close();
    await forum.sandbox.close();
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
