/**
 * Erased means gone: a member of a real community (the urho3d forum from ../shared/data, and the
 * demo's Ubuntu IRC samples), replayed through the bot's own ingest and features, erases their data.
 * Then every table (enumerated from sqlite_master: tables added later are searched too) and the raw
 * bytes of the database file and its WAL are searched for their name, display name, about text and
 * the titles of the questions they asked; and the whole history is replayed again, as a backfill
 * would, without bringing any of it back.
 */

import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sqliteDatabase } from '../../../src/db/database.js';
import { channels, guilds, members, outbox, questions } from '../../../src/db/schema.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { DROPPED_FOR_ERASURE } from '../../../src/features/core/eraseCore.js';
import { eraseMember } from '../../../src/features/core/privacy.js';
import { features } from '../../../src/features/index.js';
import { refreshProfiles, runRound } from '../../../src/features/intros/service.js';
import { joinIntros, setDeclared } from '../../../src/features/intros/store.js';
import { scanAndNudge } from '../../../src/features/questions/service.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { memberIdByUsername, writeIndex } from '../../../src/platforms/discourse/store.js';
import { makeTestDb } from '../../helpers/db.js';
import { type Replayed, replayDemo, replayUrho3d } from '../../helpers/replays.js';
import { findId, findTraces } from '../../helpers/traces.js';

const HOUR = 3_600_000;
const ABOUT = 'I keep the Quillmarsh wiki of kernel boot flags and brew elderflower cordial';

/** Ids stay only as the note "do not profile again" and as message metadata (threads, who answered whom). */
const ID_KEPT = new Set(['members.member_id', 'messages.author_id', 'channels.owner_id']);

const replays: [string, () => Promise<Replayed>][] = [
  ['the urho3d forum (six months)', () => replayUrho3d('2020-08-14', '2021-02-14')],
  ['the demo community (Ubuntu IRC)', () => replayDemo(Date.UTC(2026, 2, 2, 12))],
];

describe('erasing a member of a replayed community', () => {
  it.each(replays)(
    'GIVEN %s with profiles, an intro round and nudges WHEN an active member who asked questions erases their data THEN no table and no byte of the .db or -wal names them, and a replay brings nothing back',
    async (_name, replay) => {
      const r = await replay();
      const db = r.deps.db as typeof r.deps.db & { path: string };
      const now = r.now;
      const pool = r.active.slice(0, 40);
      for (const id of pool) await joinIntros(sqliteDatabase(db), r.guildId, asMemberId(id), now - HOUR);
      const owners = new Set(
        db
          .select({ ownerId: channels.ownerId })
          .from(channels)
          .where(and(eq(channels.guildId, r.guildId), eq(channels.kind, 'thread')))
          .all()
          .map((c) => c.ownerId),
      );
      // A distinctive name (not an everyday word) of an active member who asked a question.
      const chosen = db
        .select()
        .from(members)
        .where(eq(members.guildId, r.guildId))
        .all()
        .find((m) => pool.includes(m.memberId) && owners.has(m.memberId) && m.displayName.length >= 6)!;
      expect(chosen).toBeDefined();
      const memberId = asMemberId(chosen.memberId);
      await setDeclared(
        sqliteDatabase(db),
        r.guildId,
        memberId,
        { interests: ['grub'], about: ABOUT, timezone: null },
        now,
      );
      await refreshProfiles(sqliteDatabase(db), r.guildId, now, true);
      await runRound(sqliteDatabase(db), r.platform, r.guildId, 'erasure', now);
      await scanAndNudge(sqliteDatabase(db), r.guildId, now);
      const titles = db
        .select({ name: channels.name })
        .from(channels)
        .where(and(eq(channels.guildId, r.guildId), eq(channels.ownerId, memberId)))
        .all()
        .map((c) => c.name);
      // One of the messages that name them was sent already, the others wait in the outbox.
      const naming = db
        .select({ id: outbox.id, action: outbox.action })
        .from(outbox)
        .all()
        .filter((row) => JSON.stringify(row.action).includes(`"${memberId}"`));
      expect(naming.length).toBeGreaterThan(0);
      const sent = naming[0]!.id;
      db.update(outbox).set({ status: 'done', finishedAt: now }).where(eq(outbox.id, sent)).run();
      const needles = [chosen.username, chosen.displayName, ABOUT, ...titles];
      // A bot that has run a while has checkpointed: the member's rows are in the database file itself.
      db.$client.pragma('wal_checkpoint(TRUNCATE)');
      const before = findTraces(db, db.path, needles);
      const beforeIds = findId(db, memberId);
      expect(before.total.cells).toBeGreaterThan(0);
      expect(before.bytes.db).toBeGreaterThan(0);

      await eraseMember(sqliteDatabase(db), features, r.guildId, memberId, now);

      const after = findTraces(db, db.path, needles);
      const afterIds = findId(db, memberId);
      console.log(
        `${r.name}: ${chosen.displayName}, ${titles.length} titles, ${naming.length} outbox rows naming them. Before: ${before.total.cells} cells, ${before.total.bytes} bytes (db ${before.bytes.db}, wal ${before.bytes.wal}), id in ${Object.keys(beforeIds).join(', ')}. After: ${after.total.cells} cells, ${after.total.bytes} bytes, id in ${Object.keys(afterIds).join(', ')}`,
      );
      expect(after.cells).toEqual({});
      expect(after.bytes).toEqual({ db: 0, wal: 0 });
      expect(Object.keys(afterIds).filter((k) => !ID_KEPT.has(k))).toEqual([]);
      // The sent message keeps its key and result; the waiting ones are not sent, and say why.
      const rows = db.select().from(outbox).all();
      expect(rows.find((row) => row.id === sent)).toMatchObject({ status: 'done', action: { redacted: true } });
      for (const { id } of naming.slice(1)) {
        expect(rows.find((row) => row.id === id)).toMatchObject({ status: 'failed', lastError: DROPPED_FOR_ERASURE });
      }

      // A backfill (or a replay of the whole history) stores nothing of them again.
      await new Ingestor(r.deps, features).pushMany(r.events);
      db.$client.pragma('wal_checkpoint(TRUNCATE)');
      const replayed = findTraces(db, db.path, needles);
      expect(replayed.cells).toEqual({});
      expect(replayed.bytes).toEqual({ db: 0, wal: 0 });
      // Nor do their old questions come back (without a title they could only be listed as blanks).
      expect(db.select().from(questions).where(eq(questions.askerId, memberId)).all()).toEqual([]);
    },
    120_000,
  );
});

describe("a forum's username index", () => {
  it('GIVEN a forum member known by username WHEN they erase their data THEN the index forgets the name and a later webhook does not add it back', async () => {
    const db = makeTestDb();
    const forum = asGuildId('discourse:forum.example');
    db.insert(guilds).values({ id: forum, platform: 'discourse', name: 'F', createdAt: 0, updatedAt: 0 }).run();
    db.insert(members)
      .values({ guildId: forum, memberId: '77', username: 'Quillmarsh', displayName: 'Quillmarsh', updatedAt: 0 })
      .run();
    const users = { posts: [], users: [{ userId: '77', username: 'Quillmarsh' }] };
    await writeIndex(sqliteDatabase(db), forum, users, 1);
    expect(await memberIdByUsername(sqliteDatabase(db), forum, 'quillmarsh')).toBe('77');

    await eraseMember(sqliteDatabase(db), features, forum, asMemberId('77'), 2);
    await writeIndex(sqliteDatabase(db), forum, users, 3);

    expect(await memberIdByUsername(sqliteDatabase(db), forum, 'quillmarsh')).toBeUndefined();
    expect(findTraces(db, db.path, ['Quillmarsh']).total).toEqual({ cells: 0, bytes: 0 });
  });
});
