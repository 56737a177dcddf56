/**
 * An outbox backlog spread like a community's (messages in several channels of several guilds, private
 * threads, DMs), written straight into a Convene database, and a tally of what the Discord emulator
 * received for it: every action delivered once, none twice, none lost. Used by the multi-process
 * fault test and `npm run bench`.
 */
import type { Action, OutboxItem } from '../../src/actions.js';
import { migrateDb, openDb } from '../../src/db/connection.js';
import { asChannelId, asGuildId, asMemberId } from '../../src/events.js';
import { enqueue } from '../../src/outbox/store.js';
import type { DiscordSandbox } from '../../src/sandbox/discord/index.js';

export interface WorldGuild {
  id: string;
  /** Text channels the backlog posts in. */
  channels: string[];
  /** Where private threads are opened. */
  threadParent: string;
  /** Where the weekly digest goes. */
  digestChannel: string;
  members: string[];
}

export interface WorldShape {
  guilds: number;
  channelsPerGuild: number;
  membersPerGuild: number;
}

/** Guilds with text channels, a channel for threads, a digest channel and members whose DMs are open. */
export function buildWorld(
  sandbox: DiscordSandbox,
  shape: WorldShape,
  at = Date.now() - 30 * 86_400_000,
): WorldGuild[] {
  return Array.from({ length: shape.guilds }, (_, g) => {
    const guild = sandbox.createGuild({
      name: `Guild ${g + 1}`,
      at,
      channels: [
        ...Array.from({ length: shape.channelsPerGuild }, (_, c) => ({ name: `room-${c + 1}`, type: 'text' as const })),
        { name: 'pairs', type: 'text' as const },
        { name: 'digest', type: 'text' as const },
      ],
    });
    const members = Array.from({ length: shape.membersPerGuild }, (_, m) => {
      const user = sandbox.addUser({ username: `g${g + 1}member${m + 1}`, at });
      sandbox.addMember(guild.id, user.id, { at: at + 1000 });
      return user.id;
    });
    return {
      id: guild.id,
      channels: Array.from({ length: shape.channelsPerGuild }, (_, c) => guild.channels[`room-${c + 1}`]!),
      threadParent: guild.channels.pairs!,
      digestChannel: guild.channels.digest!,
      members,
    };
  });
}

export interface Mix {
  messages: number;
  threads: number;
  dms: number;
}

/** The marker each action's text carries, so the tally can tell actions apart on the emulator. */
const marker = (key: string) => `[ex:${key}]`;
const MARKED = /\[ex:([^\]]+)\]/;

/** The backlog's actions, round-robin over guilds, channels and members. */
export function workload(world: readonly WorldGuild[], mix: Mix): OutboxItem[] {
  const items: OutboxItem[] = [];
  const add = (g: number, key: string, action: Action) =>
    items.push({ platform: 'discord', guildId: asGuildId(world[g % world.length]!.id), key, action });
  for (let i = 0; i < mix.messages; i++) {
    const guild = world[i % world.length]!;
    const channelId = guild.channels[Math.floor(i / world.length) % guild.channels.length]!;
    add(i, `ex:msg:${i}`, {
      type: 'message.send',
      channelId: asChannelId(channelId),
      body: { content: `Backlog message ${i} ${marker(`ex:msg:${i}`)}` },
    });
  }
  for (let i = 0; i < mix.threads; i++) {
    const guild = world[i % world.length]!;
    const a = guild.members[i % guild.members.length]!;
    const b = guild.members[(i + 1) % guild.members.length]!;
    add(i, `ex:thread:${i}`, {
      type: 'thread.create',
      channelId: asChannelId(guild.threadParent),
      name: `Pair ${i}`,
      memberIds: [asMemberId(a), asMemberId(b)],
      body: {
        content: `Pair ${i} meets here ${marker(`ex:thread:${i}`)}`,
        mentions: { members: [asMemberId(a), asMemberId(b)] },
      },
    });
  }
  for (let i = 0; i < mix.dms; i++) {
    const guild = world[i % world.length]!;
    const member = guild.members[Math.floor(i / world.length) % guild.members.length]!;
    add(i, `ex:dm:${i}`, {
      type: 'dm.send',
      memberId: asMemberId(member),
      body: { content: `A note for you, number ${i} ${marker(`ex:dm:${i}`)}` },
    });
  }
  // Interleaved, as a community's outbox fills: not all messages first.
  return items.sort((x, y) => hash(x.key) - hash(y.key));
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * Create the database at `path` (real migrations), its guild rows with the digest switched on, and the
 * backlog; due at `now`. Returns the keys written.
 */
export function seedDatabase(
  path: string,
  world: readonly WorldGuild[],
  items: readonly OutboxItem[],
  now: number,
): string[] {
  const db = openDb(path);
  try {
    migrateDb(db);
    const insertGuild = db.$client.prepare(
      "INSERT INTO guilds (id, platform, name, settings, created_at, updated_at) VALUES (?, 'discord', ?, ?, ?, ?)",
    );
    for (const [i, guild] of world.entries()) {
      insertGuild.run(
        guild.id,
        `Guild ${i + 1}`,
        JSON.stringify({ digest: { channelId: guild.digestChannel } }),
        now,
        now,
      );
    }
    db.$client.transaction(() => enqueue(db, items, now))();
    return items.map((item) => item.key);
  } finally {
    db.$client.close();
  }
}

export interface Tally {
  expected: number;
  /** Actions seen on the emulator at least once. */
  delivered: number;
  /** Extra copies a member would see (a message, DM or thread twice). */
  duplicates: number;
  lost: number;
  /** Message POSTs that repeated an earlier one's nonce (a resend; harmless when Discord de-duplicates). */
  resends: number;
}

/** What the emulator holds for `keys`. */
export function tally(sandbox: DiscordSandbox, world: readonly WorldGuild[], keys: readonly string[]): Tally {
  const seen = new Map<string, number>();
  const count = (content: string) => {
    const key = MARKED.exec(content)?.[1];
    if (key) seen.set(key, (seen.get(key) ?? 0) + 1);
  };
  const bot = sandbox.botUserId;
  for (const guild of world) {
    for (const channelId of guild.channels)
      for (const m of sandbox.messagesIn(channelId)) if (m.authorId === bot) count(m.content);
    // A thread counts once per thread with its post (two threads for one pair: a duplicate).
    for (const thread of sandbox.threadsIn(guild.threadParent))
      for (const m of sandbox.messagesIn(thread.id)) if (m.authorId === bot) count(m.content);
    for (const member of guild.members) for (const m of sandbox.dmsTo(member)) count(m.content);
  }
  const threadsWithoutPost = world.reduce(
    (n, g) =>
      n +
      sandbox.threadsIn(g.threadParent).filter((t) => !sandbox.messagesIn(t.id).some((m) => m.authorId === bot)).length,
    0,
  );
  const nonces = new Map<string, number>();
  for (const r of sandbox.requests) {
    if (r.route !== 'POST /channels/:channel_id/messages' || r.status !== 200) continue;
    const nonce = (r.body as { nonce?: unknown } | null)?.nonce;
    if (typeof nonce === 'string') nonces.set(nonce, (nonces.get(nonce) ?? 0) + 1);
  }
  let delivered = 0;
  let duplicates = threadsWithoutPost;
  for (const key of keys) {
    const n = seen.get(key) ?? 0;
    if (n > 0) delivered++;
    duplicates += Math.max(0, n - 1);
  }
  return {
    expected: keys.length,
    delivered,
    duplicates,
    lost: keys.length - delivered,
    resends: [...nonces.values()].reduce((n, c) => n + c - 1, 0),
  };
}
