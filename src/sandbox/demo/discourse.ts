/**
 * The Discourse half of `npm run demo`: a small invented forum (seedDemoForum) on the Discourse
 * emulator, beside the Discord community, with the same bot serving both. The forum delivers signed
 * webhooks to the bot's /webhooks/discourse; the bot answers through the forum's REST API; this
 * module prints what the bot did on the forum, as the Discord narrator does.
 */
import { and, count, eq, lte } from 'drizzle-orm';
import type { App } from '../../app.js';
import { databaseOf } from '../../commands.js';
import { seedDemoForum } from '../discourse/seed.js';
import { DiscourseSandbox } from '../discourse/server.js';
import { zoneWhereItIs } from '../zones.js';
import { clipAtWord } from './narrator.js';

const API_KEY = 'demo-discourse-api-key';
const SECRET = 'demo-discourse-webhook-secret';
const BOT = 'convene';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DemoForum {
  sandbox: DiscourseSandbox;
  /** The DISCOURSE_* variables that point the bot at the emulator. */
  env: Record<string, string>;
}

/** Start the emulator (empty: the forum is seeded once the bot listens, so it hears every webhook). */
export async function startDemoForum(): Promise<DemoForum> {
  const sandbox = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
  return {
    sandbox,
    env: {
      DISCOURSE_URL: sandbox.url,
      DISCOURSE_API_KEY: API_KEY,
      DISCOURSE_API_USERNAME: BOT,
      DISCOURSE_WEBHOOK_SECRET: SECRET,
    },
  };
}

/** Prints each post the bot made on the forum since the last call: PMs, replies, new topics. */
function forumNarrator(forum: DiscourseSandbox, say: (line: string) => void, quiet: boolean) {
  const seen = new Set<number>();
  const name = (id: number) => forum.model.users.get(id)?.username ?? String(id);
  const oneLine = (raw: string) =>
    raw
      .replace(/<\/?small>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  return {
    posts: 0,
    flush(): void {
      for (const post of forum.model.posts.values()) {
        if (seen.has(post.id) || post.userId !== forum.bot.id) continue;
        seen.add(post.id);
        this.posts++;
        const topic = forum.model.topics.get(post.topicId);
        if (!topic || quiet) continue;
        let where: string;
        if (topic.archetype === 'private_message') {
          const to = topic.allowedUserIds.filter((id) => id !== forum.bot.id).map(name);
          where = `PM to ${to.join(', ')}`;
        } else if (post.postNumber === 1) {
          const category = topic.categoryId === null ? null : forum.model.categories.get(topic.categoryId);
          where = `new topic “${topic.title}” in ${category ? category.name : 'the forum'}`;
        } else {
          where = `reply in “${topic.title}”`;
        }
        say(`  [bot] forum: ${where} ← ${clipAtWord(oneLine(post.raw))}`);
      }
    },
  };
}

/**
 * Act one, before the Discord replay: seed the forum and play a short story on it with the bot
 * running — the moderator configures Convene by mentioning it, a member declares a timezone by PM,
 * a newcomer is welcomed, and a question has waited five hours (the demo's scheduler tick, which
 * runs for both platforms, then nudges it). Act two (`finish`) prints the nudge and posts the digest.
 */
export async function beginDemoForum(
  forum: DemoForum,
  app: App,
  options: { say: (line?: string) => void; quiet: boolean; timeoutMs?: number },
): Promise<{
  /** Deliver webhooks and let the bot's forum outbox drain (and print what it posted). */
  settle(): Promise<void>;
  finish(): Promise<{ botPosts: number; webhooks: number }>;
}> {
  const { sandbox } = forum;
  const say = options.say;
  const narrate = forumNarrator(sandbox, say, options.quiet);
  const db = databaseOf(app.deps);
  const { outbox } = db.tables;
  const pending = async () => {
    const [row] = await db
      .select({ n: count() })
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), eq(outbox.platform, 'discourse'), lte(outbox.notBefore, Date.now())));
    // count() is a string on PostgreSQL (bigint): Number() on both engines.
    return Number(row?.n ?? 0);
  };
  const timeoutMs = options.timeoutMs ?? 20_000;
  /** Deliver the forum's webhooks, let the bot's Discourse outbox drain (at Discourse's pace), narrate. */
  const settle = async () => {
    const deadline = Date.now() + timeoutMs;
    do {
      await sandbox.flush();
      for (const drain of app.drains) drain.wake();
      await new Promise((r) => setTimeout(r, 150));
      await sandbox.flush();
      narrate.flush();
    } while ((await pending()) > 0 && Date.now() < deadline);
  };

  say(`\n— A Discourse forum beside it (emulator at ${sandbox.url}; webhooks to the bot's /webhooks/discourse)`);
  sandbox.setWebhook({ url: `http://127.0.0.1:${app.httpPort}/webhooks/discourse`, secret: SECRET });
  // Seeded into the past week, so the digest posted at the end has something to tell.
  const seeded = seedDemoForum(sandbox, Date.now() - 5 * DAY);
  sandbox.createCategory({ name: 'Community news', slug: 'news', description: 'Weekly digests.' });
  await settle();
  say(
    `  ${sandbox.model.users.size - 1} members, ${sandbox.model.categories.size} categories, ${sandbox.model.posts.size} posts`,
  );

  say('\n— The moderator sets up the digest and the question category by mentioning the bot');
  const setup = sandbox.createTopic({
    username: 'ines',
    title: 'Convene is helping out on this forum',
    raw: 'We added Convene to welcome newcomers and make sure questions find someone who can answer.',
    categoryId: seeded.categories.showcase,
  });
  sandbox.reply({
    username: 'ines',
    topicId: setup.topic.id,
    raw: '@convene convene digest set channel:news day:monday time:09:00 timezone:UTC',
  });
  // Every Discourse category is a forum to Convene; questions belong in Help, not in Introductions.
  sandbox.reply({ username: 'ines', topicId: setup.topic.id, raw: '@convene convene questions set channels:Help' });
  await settle();

  say('\n— mei tells Convene her timezone by private message');
  sandbox.sendPm({
    from: 'mei',
    to: [BOT],
    title: 'My timezone for Convene',
    raw: `profile set timezone:${zoneWhereItIs(13, Date.now())}`,
  });
  await settle();

  say('\n— A newcomer signs up, and asks a question that then waits five hours');
  sandbox.createUser({ username: 'noor', name: 'Noor' });
  const question = sandbox.createTopic({
    username: 'noor',
    title: 'Servo twitches whenever the motor driver runs',
    raw: 'My servo jitters as soon as the motor driver starts on the same supply rail. Capacitor, regulator, or something else?',
    categoryId: seeded.categories.help,
    createdAt: Date.now() - 5 * HOUR,
  });
  await settle();

  return {
    settle,
    async finish() {
      say('\n— Back on the forum: the scheduler ran; the moderator posts the digest now');
      await settle();
      if (!sandbox.postsIn(question.topic.id).some((p) => p.userId === sandbox.bot.id)) {
        say('  (no nudge: nobody who could answer is awake right now)');
      }
      sandbox.reply({ username: 'ines', topicId: setup.topic.id, raw: '@convene convene digest post-now' });
      await settle();
      return { botPosts: narrate.posts, webhooks: sandbox.sentDeliveries().length };
    },
  };
}
