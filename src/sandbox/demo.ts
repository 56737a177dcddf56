/**
 * npm run demo [-- --once]: the real bot against the local Discord emulator, with a demo community
 * replayed at high speed from a real public chat log (Ubuntu IRC, CC BY 4.0 — see
 * assets/demo/ubuntu-irc/ATTRIBUTION.md), printing in the terminal what the bot does.
 * `--once` replays, lets the bot act, prints a summary and exits 0 (the tests use it).
 */

import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { type App, startApp } from '../app.js';
import { databaseOf } from '../commands.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { beginDemoForum, startDemoForum } from './demo/discourse.js';
import { type IrcLine, loadIrcSample } from './demo/ircLog.js';
import { clipAtWord, type Narrator, narrator } from './demo/narrator.js';
import { type DiscordSandbox, startDiscordSandbox } from './discord/index.js';
import type { GuildHandle } from './discord/world.js';

const HOUR = 3_600_000;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const once = process.argv.includes('--once');
const quiet = process.argv.includes('--quiet');
/** `--port N`: where the emulator (and the demo page) listens; any free port by default. */
const portAt = process.argv.indexOf('--port');
const port = portAt > 0 ? Number(process.argv[portAt + 1]) : 0;
const say = (line = '') => process.stdout.write(`${line}\n`);
const oneLine = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ').trim();

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
  const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000, port });
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
          title: clipAtWord(line.text, 90),
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

async function settle(app: App, narrate: Narrator, ms = 1_500) {
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
  const narrate = narrator(demo.sandbox, { print: say, quiet });
  say(
    `Emulator at ${demo.sandbox.apiUrl}; bot connected (${app.deps.status.intents.messageContent ? 'with' : 'without'} Message Content).`,
  );

  narrate.section('\n— Moderator sets Convene up');
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

  narrate.section('\n— Replaying the community (two real #ubuntu samples, shifted into the last week)');
  const counts = replay(demo, now);
  say(`  ${counts.messages} messages, ${counts.forumPosts} of them forum questions, by ${counts.members} members`);
  const db = databaseOf(app.deps);
  const stored = () => db.$count(db.tables.messages);
  const deadline = Date.now() + 60_000;
  while ((await stored()) < counts.messages && Date.now() < deadline) await settle(app, narrate, 200);
  say(`  Convene stored ${await stored()} messages (ids, times, reply links and keywords; no message text).`);
  await settle(app, narrate, 1_000);

  narrate.section('\n— Some members join introductions');
  const active = [...demo.users.values()].slice(0, 24);
  for (const userId of active) await command(demo, userId, 'intros join');
  await settle(app, narrate, 300);

  narrate.section('\n— One community on two platforms: the moderator connects the server to the forum');
  const connected = await command(demo, mod, 'convene forum connect');
  if (connected) say(`  /convene forum connect → ${clipAtWord(oneLine(connected.content))}`);
  const linker = active[1]!;
  const asked = await command(demo, linker, 'link discourse', { username: 'mei' });
  if (asked) say(`  /link discourse username:mei → ${clipAtWord(oneLine(asked.content))}`);
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
    if (linked) say(`  /link confirm code:${code} → ${clipAtWord(oneLine(linked.content))}`);
  }

  narrate.section('\n— The scheduler runs (nudges for unanswered questions, journey sweep)');
  await app.scheduler.tick(now);
  await settle(app, narrate, 2_000);

  narrate.section('\n— A member asks who to meet');
  const meet = await command(demo, active[0]!, 'meet');
  if (meet) say(`  /meet → ${clipAtWord(oneLine(meet.content), 300)}`);

  narrate.section('\n— Intro round and weekly digest, on demand');
  await command(demo, mod, 'convene intros run-now');
  const digest = await command(demo, mod, 'convene digest post-now');
  // Let the outbox send everything decided so far, at Discord's pace.
  const pending = () => db.$count(db.tables.outbox, eq(db.tables.outbox.status, 'pending'));
  const until = Date.now() + 120_000;
  while ((await pending()) > 0 && Date.now() < until) await settle(app, narrate, 500);
  const posted = demo.sandbox.messagesIn(ch.general!).filter((m) => m.authorId === demo.sandbox.botUserId);
  if (posted.length) {
    narrate.section('\n— The digest as members see it in #general:');
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
    const ok = (await stored()) > 0;
    await app.stop();
    await demo.sandbox.close();
    await forum.sandbox.close();
    // Everything is closed: the process ends by itself, with this code.
    process.exitCode = ok ? 0 : 1;
    return;
  }
  const page = demo.sandbox.serveDemoPage(demo.guild.id);
  const rule = '─'.repeat(72);
  say(`\n${rule}`);
  say(`  Now try it yourself. Open this page in your browser:\n`);
  say(`      ${page}\n`);
  say('  Be any member of the demo server (or join as a new one), read what they see,');
  say("  run Convene's commands, press its buttons, and open the digest with its chart.");
  say('  The community stays up until you press Ctrl-C here.');
  say(rule);
  app.scheduler.start();
  // What the bot does from now on (after a visitor's actions on the page) keeps being narrated.
  const timer = setInterval(() => narrate.endSection(), 500);
  const stop = async () => {
    clearInterval(timer);
    await app.stop();
    await demo.sandbox.close();
    await forum.sandbox.close();
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`--port must be a port number (0-65535), got "${process.argv[portAt + 1] ?? ''}"\n`);
  process.exitCode = 2;
} else {
  main().catch((error) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
