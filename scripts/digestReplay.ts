/**
 * Replay a Discourse archive (the format of shared/data/urho3d-discourse) into a temporary database
 * and make the weekly digest of one week, exactly as the bot would on Monday morning: prints the
 * digest as text, writes the chart PNG, and reports how long it took.
 *
 *   npx tsx scripts/digestReplay.ts --data DIR [--week 2019-W10] [--out /tmp/digest-chart.png]
 *
 * The archive is read at run time; nothing of it is written anywhere but the temporary database
 * (deleted at the end) and the chart. Topics become threads in one forum channel per category,
 * posts become messages (reply_to_post_number → replyToId), staff become moderators.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deps } from '../src/commands.js';
import { loadConfig } from '../src/config.js';
import { migrateDb, openDb } from '../src/db/connection.js';
import { sqliteDatabase, transaction } from '../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../src/events.js';
import { digestAsText } from '../src/features/digest/budget.js';
import { dateInIsoWeek } from '../src/features/digest/calendar.js';
import { buildDigest } from '../src/features/digest/service.js';
import { changeSettings } from '../src/guildSettings.js';
import { eventApplier } from '../src/ingest/store.js';
import { createLogger } from '../src/log.js';
import { type ArchivePost as Post, readJsonl, type ArchiveTopic as Topic } from './archive.js';

const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

async function main() {
  const data = arg('data');
  if (!data) throw new Error('usage: tsx scripts/digestReplay.ts --data DIR [--week 2019-W10] [--out PNG]');
  const week = arg('week', '2019-W10')!;
  const out = arg('out', '/tmp/digest-chart.png')!;
  const endDate = dateInIsoWeek(week, 1);
  if (!endDate) throw new Error(`--week: expected an ISO week such as 2019-W10, got ${week}`);
  const due = Date.UTC(endDate.year, endDate.month - 1, endDate.day, 9);

  const posts = readJsonl<Post>(join(data, 'posts.jsonl.gz')).filter((p) => Date.parse(p.created_at) < due);
  const topics = readJsonl<Topic>(join(data, 'topics.jsonl.gz')).filter((t) => Date.parse(t.created_at) < due);

  const dir = mkdtempSync(join(tmpdir(), 'convene-digest-replay-'));
  try {
    const db = openDb(join(dir, 'replay.db'));
    migrateDb(db);
    const guildId = asGuildId('discourse:discourse.urho3d.io');
    const base = { platform: 'discourse' as const, guildId };
    const events: CommunityEvent[] = [{ ...base, kind: 'guild.upserted', at: 0, name: 'Urho3D forum' }];
    for (const c of new Set(topics.map((t) => t.category_id))) {
      events.push({
        ...base,
        kind: 'channel.upserted',
        at: 0,
        channelId: asChannelId(`category:${c}`),
        name: `category ${c}`,
        channelKind: 'forum',
        parentId: null,
        topic: null,
      });
    }
    // A member "joins" with their first post: the archive has no join dates.
    const firstPost = new Map<number, Post>();
    for (const p of posts) if (!firstPost.has(p.user_id)) firstPost.set(p.user_id, p);
    for (const [id, p] of firstPost) {
      events.push({
        ...base,
        kind: 'member.joined',
        at: Date.parse(p.created_at) - 1,
        memberId: asMemberId(String(id)),
        username: p.username,
        displayName: p.username,
        bot: false,
        roles: [],
        moderator: p.staff,
      });
    }
    for (const t of topics) {
      const at = Date.parse(t.created_at);
      events.push({
        ...base,
        kind: 'thread.upserted',
        at,
        threadId: asChannelId(String(t.topic_id)),
        parentId: asChannelId(`category:${t.category_id}`),
        name: t.title,
        ownerId: asMemberId(String(t.user_id)),
        tags: t.accepted_answer_post_number ? ['solved'] : [],
        archived: false,
        createdAt: at,
      });
    }
    const postIdOf = new Map(posts.map((p) => [`${p.topic_id}:${p.post_number}`, p.post_id]));
    for (const p of posts) {
      if (p.post_type !== 1) continue;
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
        content: '',
      });
    }
    const database = sqliteDatabase(db);
    const apply = eventApplier();
    await transaction(database, async (tx) => {
      for (const e of events) await apply(tx, e, { storeMessageText: false });
    });
    await changeSettings(
      database,
      guildId,
      'system',
      'replay',
      (settings) => ({
        ...settings,
        core: { ...settings.core, why: 'We help each other build games and apps with Urho3D.' },
        digest: {
          ...settings.digest,
          channelId: 'category:10',
          goals: [
            { metric: 'first-response', target: 6 * 3_600_000 },
            { metric: 'peer-answered', target: 0.7 },
            { metric: 'retention', target: 0.3 },
          ],
        },
      }),
      due,
    );
    const deps: Deps = {
      db,
      config: loadConfig({}),
      log: createLogger('silent'),
      status: { startedAt: 0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
      wakeOutbox: () => {},
    };
    const started = performance.now();
    const built = await buildDigest(deps, guildId, { endDate, period: week }, due, []);
    const ms = performance.now() - started;
    const png = built.body.attachments?.[0];
    if (png) writeFileSync(out, Buffer.from(png.dataBase64, 'base64'));
    console.log(digestAsText(built.body));
    console.log(
      `\n(${posts.length} posts and ${topics.length} topics replayed up to ${new Date(due).toISOString()}; digest built in ${ms.toFixed(0)} ms; chart → ${out})`,
    );
    console.log(
      'Data: Urho3D forum posts by their respective authors, discourse.urho3d.io, archived by SirNate0 (github.com/SirNate0/Urho3D-Discourse-Archive), CC BY-NC-SA 3.0 (assumed).',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
