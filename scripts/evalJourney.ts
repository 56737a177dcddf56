import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrateDb, openDb } from '../src/db/connection.js';
import { type Database, sqliteDatabase, transaction } from '../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent, type GuildId } from '../src/events.js';
import { funnel, handleEvent, sweep } from '../src/features/journey/service.js';
import { getJourney, type JourneyRow } from '../src/features/journey/store.js';
import { changeSettings } from '../src/guildSettings.js';
import { eventApplier } from '../src/ingest/store.js';
import { type ArchivePost as Post, readJsonl, type ArchiveTopic as Topic } from './archive.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function args(argv: string[]) {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const data = get('data');
  if (!data) {
    console.error('usage: npm run eval:journey -- --data DIR [--intro-categories 12,14,17] [--sweep-hours 24]');
    process.exit(2);
  }
  return {
    data,
    introCategories: new Set((get('intro-categories') ?? '12,14,17').split(',').filter(Boolean).map(Number)),
    sweepMs: Number(get('sweep-hours') ?? 24) * HOUR,
  };
}

/** The forum as CommunityEvents in time order. */
function toEvents(posts: Post[], topics: Topic[], guildId: GuildId, introCategories: Set<number>, likes: boolean) {
  const base = { platform: 'discourse' as const, guildId };
  const topicById = new Map(topics.map((t) => [t.topic_id, t]));
  const postIdByNumber = new Map(posts.map((p) => [`${p.topic_id}:${p.post_number}`, p.post_id]));
  const channelOf = (categoryId: number | null) =>
    categoryId !== null && introCategories.has(categoryId) ? 'intro' : `cat-${categoryId ?? 'none'}`;
  const events: CommunityEvent[] = [];
  const start = Date.parse(posts[0]!.created_at) - 1000;
  events.push({ ...base, kind: 'guild.upserted', at: start, name: 'Replayed forum' });
  const categories = new Set(topics.map((t) => channelOf(t.category_id)));
  for (const id of categories) {
    events.push({
      ...base,
      kind: 'channel.upserted',
      at: start,
      channelId: asChannelId(id),
      name: id === 'intro' ? 'introductions' : id,
      channelKind: 'forum',
      parentId: null,
      topic: null,
    });
  }
  const threads = new Set<number>();
  const joined = new Set<number>();
  for (const post of posts) {
    if (post.post_type !== 1 || post.user_id <= 0) continue;
    const at = Date.parse(post.created_at);
    const topic = topicById.get(post.topic_id);
    if (!topic) continue;
    const member = asMemberId(`u${post.user_id}`);
    if (!joined.has(post.user_id)) {
      joined.add(post.user_id);
      events.push({
        ...base,
        kind: 'member.joined',
        at: at - 1,
        memberId: member,
        username: post.username,
        displayName: post.username,
        bot: false,
        roles: [],
      });
    }
    const threadId = asChannelId(`t${post.topic_id}`);
    if (!threads.has(post.topic_id)) {
      threads.add(post.topic_id);
      events.push({
        ...base,
        kind: 'thread.upserted',
        at,
        threadId,
        parentId: asChannelId(channelOf(topic.category_id)),
        name: `topic ${post.topic_id}`,
        ownerId: asMemberId(`u${topic.user_id}`),
        tags: [],
        archived: false,
        createdAt: Date.parse(topic.created_at),
      });
    }
    const replyTo = post.reply_to_post_number
      ? postIdByNumber.get(`${post.topic_id}:${post.reply_to_post_number}`)
      : undefined;
    const messageId = asMessageId(`p${post.post_id}`);
    events.push({
      ...base,
      kind: 'message.created',
      at,
      messageId,
      channelId: threadId,
      authorId: member,
      authorName: post.username,
      authorIsBot: false,
      replyToId: replyTo ? asMessageId(`p${replyTo}`) : null,
      mentionIds: [],
      content: '',
    });
    const opener = asMemberId(`u${topic.user_id}`);
    if (post.accepted_answer) {
      events.push({
        ...base,
        kind: 'answer.accepted',
        at: at + 1,
        threadId,
        messageId,
        byMemberId: opener,
        accepted: true,
      });
    }
    if (likes && post.like_count > 0 && post.post_number > 1 && topic.user_id !== post.user_id) {
      events.push({
        ...base,
        kind: 'reaction.added',
        at: at + 1,
        messageId,
        channelId: threadId,
        memberId: opener,
        emoji: '👍',
      });
    }
  }
  return events;
}

interface Replay {
  database: Database;
  guildId: GuildId;
  members: string[];
  seconds: number;
  events: number;
}

async function replay(
  posts: Post[],
  topics: Topic[],
  introCategories: Set<number>,
  likes: boolean,
  sweepMs: number,
): Promise<Replay> {
  const db = openDb(':memory:');
  migrateDb(db);
  const database = sqliteDatabase(db);
  const guildId = asGuildId('forum');
  const events = toEvents(posts, topics, guildId, introCategories, likes);
  const apply = eventApplier();
  const started = performance.now();
  let nextSweep = Number.POSITIVE_INFINITY;
  for (const event of events) {
    while (nextSweep <= event.at) {
      await sweep(database, guildId, nextSweep);
      nextSweep += sweepMs;
    }
    const fresh = await transaction(database, (tx) => apply(tx, event, { storeMessageText: false }));
    if (fresh) await handleEvent(database, event, event.at);
    if (event.kind === 'guild.upserted') {
      await changeSettings(
        database,
        guildId,
        'system',
        'eval.setup',
        (s) => ({ ...s, journey: { ...s.journey, introductionsChannelId: 'intro' } }),
        event.at,
      );
      nextSweep = event.at + sweepMs;
    }
  }
  await sweep(database, guildId, nextSweep);
  const members = [...new Set(events.flatMap((e) => (e.kind === 'member.joined' ? [e.memberId as string] : [])))];
  return { database, guildId, members, seconds: (performance.now() - started) / 1000, events: events.length };
}

async function printFunnel(title: string, r: Replay): Promise<void> {
  const rows = await funnel(r.database, r.guildId, 0, Number.MAX_SAFE_INTEGER);
  const arrived = rows[0]?.members ?? 0;
  console.log(`\n${title}  (${r.events} events replayed in ${r.seconds.toFixed(1)} s)`);
  console.log('| stage | members | % of arrived | median days to reach |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    const pct = arrived ? ((100 * row.members) / arrived).toFixed(1) : '0';
    const days = row.medianMs === null ? '—' : (row.medianMs / DAY).toFixed(1);
    console.log(`| ${row.stage} | ${row.members} | ${pct}% | ${days} |`);
  }
}

async function printMessages(r: Replay): Promise<void> {
  // Driver rows: the action is JSON text on SQLite (the replay's engine).
  const rows = await r.database.all<{ key: string; at: number; action: string }>(
    sql`SELECT key, not_before AS at, action FROM outbox ORDER BY not_before`,
  );
  const kinds = new Map<string, number>();
  const perMember = new Map<string, number[]>();
  for (const row of rows) {
    const kind = row.key.startsWith('welcome:')
      ? 'welcome'
      : row.key.split(':').slice(0, 2).join(':').replace('journey:', '');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const action = JSON.parse(row.action) as { type: string; memberId?: string };
    if (action.type === 'dm.send' && action.memberId) {
      const list = perMember.get(action.memberId) ?? [];
      list.push(row.at);
      perMember.set(action.memberId, list);
    }
  }
  let tooClose = 0;
  let most = 0;
  for (const times of perMember.values()) {
    most = Math.max(most, times.length);
    for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! < HOUR) tooClose++;
  }
  console.log(
    `messages the replay queued: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; ` +
      `most DMs to one member over the whole history: ${most}; pairs of DMs to one member < 1 h apart: ${tooClose}`,
  );
}

/** Lifetime totals, to see how thresholds other than the defaults would cut the funnel. */
async function printSensitivity(r: Replay): Promise<void> {
  const rows = new Map<string, JourneyRow | undefined>();
  for (const m of r.members) rows.set(m, await getJourney(r.database, r.guildId, m));
  const totals = (kind: 'solved' | 'welcomedNewcomer' | 'reply' | 'message') =>
    r.members.map((m) => rows.get(m)?.counters[kind]?.n ?? 0);
  const atLeast = (values: number[], n: number) => values.filter((v) => v >= n).length;
  for (const kind of ['message', 'reply', 'solved', 'welcomedNewcomer'] as const) {
    const values = totals(kind);
    console.log(
      `members with lifetime ${kind} ≥ 1/3/5/10/25: ${[1, 3, 5, 10, 25].map((n) => atLeast(values, n)).join(' / ')}`,
    );
  }
}

async function main(): Promise<void> {
  const { data, introCategories, sweepMs } = args(process.argv.slice(2));
  const posts = readJsonl<Post>(join(data, 'posts.jsonl.gz'));
  const topics = readJsonl<Topic>(join(data, 'topics.jsonl.gz'));
  console.log(
    `${posts.length} posts, ${topics.length} topics; introductions = topics opened in categories ${[...introCategories].join(', ') || '(none)'}; sweep every ${sweepMs / HOUR} h of forum time`,
  );
  const withLikes = await replay(posts, topics, introCategories, true, sweepMs);
  await printFunnel('Funnel — solved/helpful = accepted answers + liked replies (as the asker’s 👍)', withLikes);
  await printMessages(withLikes);
  await printSensitivity(withLikes);
  const acceptedOnly = await replay(posts, topics, introCategories, false, sweepMs);
  await printFunnel('Funnel — solved/helpful = accepted answers only', acceptedOnly);
}

await main();
