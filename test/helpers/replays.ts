/**
 * Real communities replayed into a real database through the bot's own ingest and every feature
 * (Ingestor.pushMany), for tests that read what members would read: the demo's Ubuntu IRC samples
 * (assets/demo, CC BY 4.0) and a slice of the urho3d Discourse archive (../shared/data, read at
 * run time and never copied into the repository: CC BY-NC-SA 3.0, see its README).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readPostsAndTopics } from '../../scripts/archive.js';
import type { Deps } from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type CommunityEvent,
  type GuildId,
  type Platform,
} from '../../src/events.js';
import { features } from '../../src/features/index.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { createLogger } from '../../src/log.js';
import { loadIrcSample } from '../../src/sandbox/demo/ircLog.js';
import { makeTestDb } from './db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const root = resolve(import.meta.dirname, '../..');
export const URHO3D = resolve(root, '../shared/data/urho3d-discourse');

export interface Replayed {
  name: string;
  deps: Deps;
  guildId: GuildId;
  platform: Platform;
  now: number;
  /** Every text members wrote (messages and thread titles): what a shown word must come from. */
  texts: string[];
  /** Every username and display name. */
  names: string[];
  /** Members by how much they wrote, most first. */
  active: string[];
  /** The events replayed, in time order (to replay them again, as a backfill would). */
  events: CommunityEvent[];
}

/** The urho3d forum's address: its links (questions, digest) are built from it as from DISCOURSE_URL. */
export const URHO3D_URL = 'https://discourse.urho3d.io';

function depsFor(now: number, env: Record<string, string> = {}): Deps {
  return {
    db: makeTestDb(),
    config: loadConfig(env),
    log: createLogger('silent'),
    status: { startedAt: now, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
}

async function ingest(deps: Deps, events: CommunityEvent[]): Promise<void> {
  events.sort((a, b) => a.at - b.at);
  await new Ingestor(deps, features).pushMany(events);
}

function byActivity(counts: Map<string, number>): string[] {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
}

/** The urho3d forum from `from` to `to` (ISO dates): topics as threads of one forum per category. */
export async function replayUrho3d(from: string, to: string): Promise<Replayed> {
  if (!existsSync(join(URHO3D, 'posts.jsonl.gz')))
    throw new Error(`The urho3d archive is not at ${URHO3D}: this test reads ../shared/data (see the brief).`);
  const start = Date.parse(from);
  const now = Date.parse(to);
  const { posts, topics } = readPostsAndTopics(URHO3D);
  const inRange = posts.filter(
    (p) => p.post_type === 1 && Date.parse(p.created_at) >= start && Date.parse(p.created_at) < now,
  );
  const topicIds = new Set(inRange.map((p) => p.topic_id));
  const deps = depsFor(now, {
    DISCOURSE_URL: URHO3D_URL,
    DISCOURSE_API_KEY: 'replay-only',
    DISCOURSE_API_USERNAME: 'convene',
  });
  const guildId = asGuildId('discourse:discourse.urho3d.io');
  const base = { platform: 'discourse' as const, guildId };
  const events: CommunityEvent[] = [{ ...base, kind: 'guild.upserted', at: start - 2 * DAY, name: 'Urho3D forum' }];
  const shown = topics.filter((t) => topicIds.has(t.topic_id));
  for (const c of new Set(shown.map((t) => t.category_id))) {
    events.push({
      ...base,
      kind: 'channel.upserted',
      at: start - 2 * DAY,
      channelId: asChannelId(`category-${c}`),
      name: `category ${c}`,
      channelKind: 'forum',
      parentId: null,
      topic: null,
    });
  }
  const counts = new Map<string, number>();
  const names: string[] = [];
  for (const p of inRange) {
    const id = String(p.user_id);
    if (!counts.has(id)) {
      names.push(p.username);
      events.push({
        ...base,
        kind: 'member.joined',
        at: start - DAY,
        memberId: asMemberId(id),
        username: p.username,
        displayName: p.username,
        bot: false,
        roles: [],
        moderator: p.staff,
      });
    }
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const t of shown) {
    const at = Math.max(start - HOUR, Date.parse(t.created_at));
    events.push({
      ...base,
      kind: 'thread.upserted',
      at,
      threadId: asChannelId(String(t.topic_id)),
      parentId: asChannelId(`category-${t.category_id}`),
      name: t.title,
      ownerId: asMemberId(String(t.user_id)),
      tags: [],
      archived: false,
      createdAt: at,
    });
  }
  const postIdOf = new Map(posts.map((p) => [`${p.topic_id}:${p.post_number}`, p.post_id]));
  for (const p of inRange) {
    const replyTo = p.reply_to_post_number ? postIdOf.get(`${p.topic_id}:${p.reply_to_post_number}`) : undefined;
    events.push({
      ...base,
      kind: 'message.created',
      at: Date.parse(p.created_at),
      messageId: asMessageId(String(p.post_id)),
      channelId: asChannelId(String(p.topic_id)),
      authorId: asMemberId(String(p.user_id)),
      authorName: p.username,
      authorIsBot: false,
      replyToId: replyTo ? asMessageId(String(replyTo)) : null,
      mentionIds: [],
      content: p.text,
    });
  }
  await ingest(deps, events);
  return {
    name: 'urho3d',
    deps,
    guildId,
    platform: 'discourse',
    now,
    texts: [...inRange.map((p) => p.text), ...shown.map((t) => t.title)],
    names,
    active: byActivity(counts),
    events,
  };
}

/** The demo community: both Ubuntu IRC samples as the demo replays them (questions become forum posts). */
export async function replayDemo(now: number): Promise<Replayed> {
  const deps = depsFor(now);
  const guildId = asGuildId('demo-guild');
  const base = { platform: 'discord' as const, guildId };
  const events: CommunityEvent[] = [
    { ...base, kind: 'guild.upserted', at: now - 120 * DAY, name: 'Ubuntu Help (demo)' },
  ];
  for (const [id, name, kind] of [
    ['c-general', 'general', 'text'],
    ['c-help', 'help', 'text'],
    ['c-questions', 'questions', 'forum'],
  ] as const) {
    events.push({
      ...base,
      kind: 'channel.upserted',
      at: now - 120 * DAY,
      channelId: asChannelId(id),
      name,
      channelKind: kind,
      parentId: null,
      topic: null,
    });
  }
  const users = new Map<string, string>();
  const counts = new Map<string, number>();
  const texts: string[] = [];
  let seq = 0;
  for (const sample of [
    { name: '2011-11-13_02', endsHoursAgo: 150, stretch: 8 },
    { name: '2016-12-19_20', endsHoursAgo: 5, stretch: 6 },
  ]) {
    const lines = loadIrcSample(join(root, 'assets/demo/ubuntu-irc'), sample.name);
    const span = (lines.at(-1)?.minute ?? 0) * 60_000 * sample.stretch;
    const begin = now - sample.endsHoursAgo * HOUR - span;
    const at = (minute: number, index: number) => begin + minute * 60_000 * sample.stretch + (index % 60) * 1000;
    const byIndex = new Map(lines.map((l) => [l.index, l]));
    const replies = new Map<number, number>();
    for (const l of lines) if (l.replyTo !== null) replies.set(l.replyTo, (replies.get(l.replyTo) ?? 0) + 1);
    const posted = new Map<number, { id: string; channelId: string }>();
    const threads = new Map<number, string>();
    for (const line of lines) {
      const t = at(line.minute, line.index);
      let id = users.get(line.nick);
      if (!id) {
        id = `u${users.size + 1}`;
        users.set(line.nick, id);
        events.push({
          ...base,
          kind: 'member.joined',
          at: t - 10 * 60_000,
          memberId: asMemberId(id),
          username: line.nick.toLowerCase(),
          displayName: line.nick,
          bot: false,
          roles: [],
          moderator: false,
        });
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
      let rootLine = line;
      for (let hops = 0; rootLine.replyTo !== null && hops < 50; hops++) {
        const parent = byIndex.get(rootLine.replyTo);
        if (!parent) break;
        rootLine = parent;
      }
      const messageId = `m${++seq}`;
      if (
        line === rootLine &&
        line.text.trim().endsWith('?') &&
        (replies.get(line.index) ?? 0) >= 2 &&
        line.text.length > 30
      ) {
        const threadId = `t${seq}`;
        const title = line.text.slice(0, 90);
        events.push({
          ...base,
          kind: 'thread.upserted',
          at: t,
          threadId: asChannelId(threadId),
          parentId: asChannelId('c-questions'),
          name: title,
          ownerId: asMemberId(id),
          tags: [],
          archived: false,
          createdAt: t,
        });
        texts.push(title);
        threads.set(line.index, threadId);
        posted.set(line.index, { id: messageId, channelId: threadId });
      }
      const channelId = posted.get(line.index)?.channelId ?? threads.get(rootLine.index) ?? 'c-help';
      const target = line.replyTo !== null ? posted.get(line.replyTo) : undefined;
      const addressed = /^([\w[\]\\`^{}|-]+)[:,] /.exec(line.text);
      const addressee = addressed ? users.get(addressed[1]!) : undefined;
      const content = addressee ? `<@${addressee}> ${line.text.slice(addressed![0].length)}` : line.text;
      texts.push(line.text);
      events.push({
        ...base,
        kind: 'message.created',
        at: t,
        messageId: asMessageId(messageId),
        channelId: asChannelId(channelId),
        authorId: asMemberId(id),
        authorName: line.nick,
        authorIsBot: false,
        replyToId: target && target.channelId === channelId ? asMessageId(target.id) : null,
        mentionIds: addressee ? [asMemberId(addressee)] : [],
        content,
      });
      if (!posted.has(line.index)) posted.set(line.index, { id: messageId, channelId });
    }
  }
  await ingest(deps, events);
  return {
    name: 'demo',
    deps,
    guildId,
    platform: 'discord',
    now,
    texts,
    names: [...users.keys()].flatMap((n) => [n, n.toLowerCase()]),
    active: byActivity(counts),
    events,
  };
}
