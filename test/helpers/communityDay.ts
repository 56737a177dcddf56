/**
 * A compressed day of three communities, one per Discord shard, for test/e2e/day.test.ts: the
 * emulator's world (regulars with a history of answers and topics, so nudges and intro rounds have
 * someone to pick), the waves of the day (members join, questions go unanswered), the one REST proxy
 * every process goes through, and what each member saw, counted on the emulator's records.
 *
 * The day is compressed by dating things in the past: questions are posted 15 minutes ago and the
 * moderators set `after: 10m`, so each is due for a nudge at the next scan.
 */
import type { SQL } from 'drizzle-orm';
import { closeDatabase, type Database, openDatabase } from '../../src/db/database.js';
import type { DiscordSandbox } from '../../src/sandbox/discord/index.js';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';
import { shardOfGuild } from '../../src/shards.js';
import { type Engine, testDatabase, testPostgresUrl } from './engines.js';
import { type BotProcess, startProcess } from './processes.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** What the regulars talked about (the intro round matches on it). */
export const TOPICS: Record<string, string[]> = {
  bob: ['vulkan compute shader barriers', 'vulkan descriptor sets and shader bindings'],
  cyd: ['vulkan shader pipeline cache', 'compute shader workgroup size vulkan'],
  dee: ['sourdough bread baking temperature', 'bread flour hydration'],
  eve: ['sourdough starter feeding', 'cast iron bread baking'],
};

/** Unanswered questions, one per wave: forum posts (even waves) and #help messages (odd ones). */
const QUESTIONS = [
  {
    title: 'Vulkan descriptor sets keep getting invalidated',
    body: 'My vulkan descriptor sets are invalid after I update them. What am I doing wrong?',
  },
  {
    title: 'Sourdough bread comes out flat',
    body: 'My sourdough bread is flat after baking, is my bread flour the problem?',
  },
  { title: 'Vulkan shader pipeline cache misses', body: 'Why does my vulkan pipeline cache miss on every start?' },
  { title: 'Bread flour hydration for sourdough', body: 'How much water does bread flour need for a sourdough loaf?' },
];

export interface Club {
  guild: GuildHandle;
  shard: number;
  /** Members who joined during the day, each to be welcomed once. */
  joiners: string[];
  /** Question threads (forum posts) and #help messages, each to be nudged once. */
  questions: { channelId: string; messageId: string }[];
}

/**
 * The world: ada (moderator in every club) and the four regulars, a club per shard (guild ids a
 * millisecond apart land on consecutive shards), each with answered questions within the backfill
 * horizon (cyd answers vulkan, dee bread) and a chat about everyone's topics. Clubs sorted by shard.
 */
export function buildClubs(sb: DiscordSandbox, shards: number): { users: Record<string, string>; clubs: Club[] } {
  const past = Date.now() - 20 * DAY;
  const users: Record<string, string> = {};
  for (const name of ['ada', ...Object.keys(TOPICS)])
    users[name] = sb.addUser({ username: name, globalName: name[0]!.toUpperCase() + name.slice(1), at: past }).id;
  const clubs = Array.from({ length: shards }, (_, k): Club => {
    const guild = sb.createGuild({
      name: `Club ${k}`,
      at: past + k,
      channels: [
        { name: 'welcome', type: 'text', topic: 'Say hi' },
        { name: 'general', type: 'text', topic: 'Anything goes' },
        { name: 'help', type: 'text', topic: 'Ask for help here' },
        { name: 'questions', type: 'forum', topic: 'Long-form questions', tags: ['solved'] },
        { name: 'intros', type: 'text', topic: 'Introductions made by Convene' },
        { name: 'digest', type: 'text', topic: 'The weekly digest' },
      ],
    });
    for (const [name, id] of Object.entries(users))
      sb.addMember(guild.id, id, {
        at: past + 1000,
        roles: name === 'ada' && guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
      });
    const history: [string, string, string, string][] = [
      [
        'bob',
        'cyd',
        'How do vulkan descriptor sets work?',
        'Allocate vulkan descriptor sets from a pool and update them before binding',
      ],
      [
        'bob',
        'cyd',
        'Vulkan descriptor pool exhausted, why?',
        'Your vulkan descriptor pool is too small for the sets you allocate',
      ],
      ['eve', 'dee', 'Why is my sourdough bread flat?', 'Sourdough bread needs a strong starter and bread flour'],
      ['eve', 'dee', 'Bread flour or all purpose for sourdough?', 'Bread flour gives sourdough bread more structure'],
    ];
    for (const [i, [asker, helper, title, answer]] of history.entries()) {
      // Within the backfill horizon (14 days): the processes learn it when they start.
      const asked = Date.now() - (10 - i) * DAY;
      const post = sb.openForumPost(guild.id, guild.channels.questions!, users[asker]!, {
        title,
        content: title,
        at: asked,
      });
      sb.say(guild.id, post.thread.id, users[helper]!, answer, { at: asked + 3_600_000 });
    }
    let t = Date.now() - 2 * DAY;
    for (const [name, lines] of Object.entries(TOPICS))
      for (const line of lines) sb.say(guild.id, guild.channels.general!, users[name]!, line, { at: t++ });
    return { guild, shard: shardOfGuild(guild.id, shards), joiners: [], questions: [] };
  });
  return { users, clubs: clubs.sort((a, b) => a.shard - b.shard) };
}

let joined = 0;

/**
 * Wave `n` of the day: two members join each club, and ada asks one question (a forum post on even
 * waves, a #help message on odd ones) dated 15 minutes ago, which nobody answers. ada asks so that
 * the four regulars can be asked (each at most twice a day): room for every question's peers.
 */
export function wave(sb: DiscordSandbox, clubs: readonly Club[], asker: string, n: number): void {
  for (const c of clubs) {
    for (let j = 0; j < 2; j++) {
      const user = sb.addUser({ username: `new${++joined}`, globalName: `Newcomer ${joined}`, at: Date.now() - DAY });
      sb.addMember(c.guild.id, user.id, { at: Date.now() });
      c.joiners.push(user.id);
    }
    const q = QUESTIONS[n % QUESTIONS.length]!;
    const at = Date.now() - 15 * MINUTE;
    if (n % 2 === 0) {
      const post = sb.openForumPost(c.guild.id, c.guild.channels.questions!, asker, {
        title: q.title,
        content: q.body,
        at,
      });
      c.questions.push({ channelId: post.thread.id, messageId: post.message.id });
    } else {
      const m = sb.say(c.guild.id, c.guild.channels.help!, asker, q.body, { at });
      c.questions.push({ channelId: c.guild.channels.help!, messageId: m.id });
    }
  }
}

/** What the members of a club saw from the bot, from the emulator's records. */
export function seen(sb: DiscordSandbox, c: Club) {
  const fromBot = (m: { authorId: string }) => m.authorId === sb.botUserId;
  /** Bot messages per question: in a forum post's thread, or in #help in reply to the question. */
  const nudgeMessages = c.questions.map((q) =>
    sb
      .messagesIn(q.channelId)
      .filter((m) => fromBot(m) && (q.channelId !== c.guild.channels.help! || m.reference?.messageId === q.messageId)),
  );
  const threads = sb.threadsIn(c.guild.channels.intros!).map((t) => {
    const said = sb.messagesIn(t.id).filter(fromBot);
    return { messages: said.length, pair: [...(said[0]?.pinged.users ?? [])].sort() };
  });
  const digests = sb.messagesIn(c.guild.channels.digest!).filter(fromBot);
  return {
    /** Per joiner: the bot's DMs to them. */
    welcomes: c.joiners.map((id) => sb.dmsTo(id).filter(fromBot).length),
    nudgeMessages,
    nudges: nudgeMessages.map((ms) => ms.length),
    /** Per intro thread: the bot's messages in it and the members its opening message introduces. */
    threads,
    digests,
  };
}

/** The day's database: where the processes point DATABASE_URL, and the test's own handle to read it. */
export interface DayDatabase {
  url: string;
  db: Database;
  rows<T>(query: SQL): Promise<T[]>;
  /** The first row's `n`, as a number (PostgreSQL returns count(*) as a string). */
  count(query: SQL): Promise<number>;
  close(): Promise<void>;
}

/**
 * SQLite: a new file in `dir` that every process opens (WAL). The test's handle is opened before the
 * processes start (opening writes, and a write would wait for their lock, stalling the emulator that
 * runs in this process); it only reads after. PostgreSQL: this test file's database on the run's
 * server (vitest's globalSetup), migrated and emptied.
 */
export async function dayDatabase(engine: Engine, dir: string): Promise<DayDatabase> {
  let url: string;
  let db: Database;
  let close: () => Promise<void>;
  if (engine === 'sqlite') {
    url = `file:${dir}/convene.db`;
    db = await openDatabase(url);
    close = () => closeDatabase(db);
  } else {
    db = await testDatabase('postgres');
    url = testPostgresUrl();
    // engines.ts closes it (at the next testDatabase call or after the file).
    close = async () => {};
  }
  const rows = <T>(query: SQL) => db.all<T>(query);
  const count = async (query: SQL) => Number((await rows<{ n: number | string | null }>(query))[0]?.n ?? 0);
  return { url, db, rows, count, close };
}

/** The REST proxy (src/proxy.ts) in front of the emulator: one rate limit budget for every process. */
export async function startProxy(sb: DiscordSandbox, index: number): Promise<{ proxy: BotProcess; url: string }> {
  const proxy = startProcess(index, {
    env: { DISCORD_TOKEN: sb.botToken, DISCORD_API_URL: sb.apiUrl, DISCORD_REST_PROXY_PORT: '0', LOG_LEVEL: 'info' },
    script: 'src/proxy.ts',
    readyText: 'set DISCORD_REST_PROXY=',
  });
  await proxy.ready;
  return { proxy, url: proxy.output().match(/set DISCORD_REST_PROXY=(http:\/\/[^\s"]+)/)![1]! };
}

/** A backfill of `guildId` by `b` that read every channel to its end, logged at or after `since`. */
export function caughtUp(b: BotProcess, guildId: string, since = 0): boolean {
  return b
    .logs()
    .some(
      (l) => l.msg === 'backfill done' && l.guildId === guildId && l.finished === true && Number(l.time ?? 0) >= since,
    );
}

/** Warnings and errors a process logged, by message. */
export function complaints(b: BotProcess): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of b.logs()) if (l.level >= 40) counts[l.msg] = (counts[l.msg] ?? 0) + 1;
  return counts;
}
