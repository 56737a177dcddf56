/**
 * A small community written straight through the async store, on either engine (no ingest): what
 * the both-engine tests of intros start from.
 */
import type { Database } from '../../../src/db/database.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { joinIntros } from '../../../src/features/intros/store.js';
import { storedTermsOf } from '../../../src/text/tokenize.js';

export const DAY = 86_400_000;
/** Monday 2026-03-02 09:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);
export const G = asGuildId('g1');
export const FORUM = asGuildId('discourse:forum.example');
const m = asMemberId;

export async function guild(db: Database, id: string, platform: 'discord' | 'discourse' = 'discord') {
  await db.insert(db.tables.guilds).values({ id, platform, name: 'Shader Club', createdAt: T0, updatedAt: T0 });
}

export async function member(db: Database, guildId: string, id: string, opts: { bot?: boolean; leftAt?: number } = {}) {
  await db.insert(db.tables.members).values({
    guildId,
    memberId: id,
    username: id,
    displayName: id.charAt(0).toUpperCase() + id.slice(1),
    bot: opts.bot ?? false,
    joinedAt: T0 - 300 * DAY,
    leftAt: opts.leftAt ?? null,
    updatedAt: T0,
  });
}

let seq = 0;
export async function say(
  db: Database,
  guildId: string,
  author: string,
  channel: string,
  text: string,
  at: number,
  replyToId: string | null = null,
) {
  const id = `m${++seq}`;
  await db.insert(db.tables.messages).values({
    guildId,
    messageId: id,
    channelId: channel,
    parentChannelId: channel,
    authorId: author,
    replyToId,
    createdAt: at,
    terms: storedTermsOf(text),
  });
  return id;
}

/**
 * Ann and Eve talk vulkan compute (Eve answers Ann); Bob and Cat talk audio mixing; Zoe talks
 * vulkan too but never joined; Bo is a bot. Everyone but Zoe and Bo joined intros.
 */
export async function shaderClub(db: Database) {
  await guild(db, G);
  for (const [id, name] of [
    ['c-graphics', 'graphics'],
    ['c-audio', 'audio'],
  ] as const) {
    await db.insert(db.tables.channels).values({
      guildId: G,
      channelId: id,
      name,
      kind: 'text',
      createdAt: T0 - 400 * DAY,
      updatedAt: T0 - 400 * DAY,
    });
  }
  for (const id of ['ann', 'eve', 'bob', 'cat', 'zoe']) await member(db, G, id);
  await member(db, G, 'bo', { bot: true });
  for (let i = 0; i < 5; i++) {
    const at = T0 - (2 + i) * DAY;
    const q = await say(db, G, 'ann', 'c-graphics', 'vulkan compute shader pipeline barrier', at);
    await say(db, G, 'eve', 'c-graphics', 'vulkan compute shaders need a pipeline barrier', at + 60_000, q);
    await say(db, G, 'bob', 'c-audio', 'audio mixing reverb plugin', at);
    await say(db, G, 'cat', 'c-audio', 'audio mixing compressor plugin', at + 60_000);
    await say(db, G, 'zoe', 'c-graphics', 'vulkan compute shader pipeline', at + 120_000);
  }
  for (const id of ['ann', 'eve', 'bob', 'cat', 'bo']) await joinIntros(db, G, m(id), T0 - 20 * DAY);
}
