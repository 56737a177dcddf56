/**
 * The busiest week of the urho3d forum (3–9 Feb 2020: 511 posts, the "To rbfx and not to rbfx"
 * thread) as a digest stress case, from real data only: the four weeks of posts and topics before
 * the digest is due, and — so that the week has hundreds of newcomers, as when a community moves to a
 * new home — every other member who wrote in the two years before arriving during that week, under
 * their own names; and so that dozens wait for help, the topics of those two years that never got a
 * reply from anyone but their asker are asked again during the four weeks (their own titles and
 * askers, re-dated). Members who write in the four weeks join just before their first post there.
 * The archive is read at run time (../shared/data, CC BY-NC-SA 3.0, never copied into the repository).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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
} from '../../src/events.js';
import { features } from '../../src/features/index.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { createLogger } from '../../src/log.js';
import { makeTestDb } from './db.js';
import { URHO3D } from './replays.js';

const DAY = 86_400_000;

export interface BusyWeek {
  deps: Deps;
  guildId: GuildId;
  /** When the digest is due: Monday 10 Feb 2020, 09:00 UTC. */
  now: number;
  /** Every newcomer's name, in joining order. */
  newcomers: string[];
}

export async function replayBusyWeek(): Promise<BusyWeek> {
  if (!existsSync(join(URHO3D, 'posts.jsonl.gz')))
    throw new Error(`The urho3d archive is not at ${URHO3D}: this test reads ../shared/data (see the brief).`);
  const now = Date.UTC(2020, 1, 10, 9);
  const weekStart = Date.UTC(2020, 1, 3);
  const from = now - 28 * DAY;
  const yearBefore = weekStart - 2 * 365 * DAY;
  const { posts, topics } = readPostsAndTopics(URHO3D);
  const at = (s: string) => Date.parse(s);
  const inRange = posts
    .filter((p) => p.post_type === 1 && at(p.created_at) >= from && at(p.created_at) < now)
    .sort((a, b) => at(a.created_at) - at(b.created_at));
  const topicIds = new Set(inRange.map((p) => p.topic_id));
  const shown = topics.filter((t) => topicIds.has(t.topic_id) && at(t.created_at) >= from - 28 * DAY);
  const answered = new Set<number>();
  const openers = new Map(topics.map((t) => [t.topic_id, t.user_id]));
  for (const p of posts) if (p.post_number > 1 && p.user_id !== openers.get(p.topic_id)) answered.add(p.topic_id);
  const unanswered = topics.filter(
    (t) => !answered.has(t.topic_id) && at(t.created_at) >= yearBefore && at(t.created_at) < from,
  );

  const deps: Deps = {
    db: makeTestDb(),
    config: loadConfig({}),
    log: createLogger('silent'),
    status: { startedAt: now, platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const guildId = asGuildId('discourse:discourse.urho3d.io');
  const base = { platform: 'discourse' as const, guildId };
  const events: CommunityEvent[] = [{ ...base, kind: 'guild.upserted', at: yearBefore, name: 'Urho3D forum' }];
  for (const c of [...new Set(shown.map((t) => t.category_id)), 'reasked']) {
    events.push({
      ...base,
      kind: 'channel.upserted',
      at: yearBefore,
      channelId: asChannelId(`category-${c}`),
      name: `category ${c}`,
      channelKind: 'forum',
      parentId: null,
      topic: null,
    });
  }
  const joined = (id: number, username: string, staff: boolean, when: number): CommunityEvent => ({
    ...base,
    kind: 'member.joined',
    at: when,
    memberId: asMemberId(String(id)),
    username,
    displayName: username,
    bot: false,
    roles: [],
    moderator: staff,
  });
  const writers = new Set<number>();
  // The re-asked topics' askers are in the forum before they ask again.
  const askers = new Map(posts.filter((p) => p.post_number === 1).map((p) => [p.topic_id, p]));
  const reasked = unanswered.flatMap((t) => {
    const p = askers.get(t.topic_id);
    return p ? [{ t, p }] : [];
  });
  const early = new Set<number>();
  for (const { p } of reasked) {
    if (early.has(p.user_id)) continue;
    early.add(p.user_id);
    events.push(joined(p.user_id, p.username, p.staff, yearBefore));
  }
  for (const p of inRange) {
    if (writers.has(p.user_id) || early.has(p.user_id)) continue;
    writers.add(p.user_id);
    events.push(joined(p.user_id, p.username, p.staff, at(p.created_at) - 1000));
  }
  // The year's other writers arrive during the busy week, evenly spread, in the order they first wrote.
  const arriving = new Map<number, { username: string; staff: boolean }>();
  for (const p of posts) {
    const t = at(p.created_at);
    if (t < yearBefore || t >= from || writers.has(p.user_id) || early.has(p.user_id) || arriving.has(p.user_id))
      continue;
    arriving.set(p.user_id, { username: p.username, staff: p.staff });
  }
  [...arriving].forEach(([id, m], i) => {
    events.push(joined(id, m.username, m.staff, weekStart + Math.floor(((i + 0.5) * 7 * DAY) / arriving.size)));
  });
  for (const t of shown) {
    const created = Math.max(yearBefore, at(t.created_at));
    events.push({
      ...base,
      kind: 'thread.upserted',
      at: created,
      threadId: asChannelId(String(t.topic_id)),
      parentId: asChannelId(`category-${t.category_id}`),
      name: t.title,
      ownerId: asMemberId(String(t.user_id)),
      tags: [],
      archived: false,
      createdAt: created,
    });
  }
  reasked.forEach(({ t, p }, i) => {
    const asked = from + Math.floor(((i + 0.5) * 28 * DAY) / reasked.length);
    events.push({
      ...base,
      kind: 'thread.upserted',
      at: asked,
      threadId: asChannelId(String(t.topic_id)),
      parentId: asChannelId('category-reasked'),
      name: t.title,
      ownerId: asMemberId(String(t.user_id)),
      tags: [],
      archived: false,
      createdAt: asked,
    });
    events.push({
      ...base,
      kind: 'message.created',
      at: asked,
      messageId: asMessageId(String(p.post_id)),
      channelId: asChannelId(String(t.topic_id)),
      authorId: asMemberId(String(p.user_id)),
      authorName: p.username,
      authorIsBot: false,
      replyToId: null,
      mentionIds: [],
      content: p.text,
    });
  });
  const postIdOf = new Map(posts.map((p) => [`${p.topic_id}:${p.post_number}`, p.post_id]));
  for (const p of inRange) {
    const replyTo = p.reply_to_post_number ? postIdOf.get(`${p.topic_id}:${p.reply_to_post_number}`) : undefined;
    events.push({
      ...base,
      kind: 'message.created',
      at: at(p.created_at),
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
  events.sort((a, b) => a.at - b.at);
  await new Ingestor(deps, features).pushMany(events);
  const newcomers = events
    .filter((e) => e.kind === 'member.joined' && e.at >= weekStart && e.at < now)
    .map((e) => (e as { username: string }).username);
  return { deps, guildId, now, newcomers };
}
