/**
 * Erased means gone: a member of a real community (the demo's Ubuntu IRC samples, replayed through
 * the bot's own ingest and features) erases their data, and then every table and the raw bytes of
 * the database file and its WAL are searched for their name, display name, about text and the titles
 * of the questions they asked.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { channels, members, outbox } from '../../../src/db/schema.js';
import { asMemberId } from '../../../src/events.js';
import { eraseMember } from '../../../src/features/core/privacy.js';
import { features } from '../../../src/features/index.js';
import { refreshProfiles, runRound, setProfile } from '../../../src/features/intros/service.js';
import { joinIntros } from '../../../src/features/intros/store.js';
import { scanAndNudge } from '../../../src/features/questions/service.js';
import { replayDemo } from '../../helpers/replays.js';
import { findId, findTraces } from '../../helpers/traces.js';

const HOUR = 3_600_000;
const ABOUT = 'I keep the Quillmarsh wiki of kernel boot flags and brew elderflower cordial';

describe('erasing a member of a replayed community', () => {
  it('GIVEN the demo community with profiles, an intro round and nudges WHEN an active member with an about text erases their data THEN no table and no byte of the .db or -wal names them', async () => {
    const now = Date.UTC(2026, 2, 2, 12);
    const r = await replayDemo(now);
    const db = r.deps.db as typeof r.deps.db & { path: string };
    const pool = r.active.slice(0, 24);
    for (const id of pool) joinIntros(db, r.guildId, asMemberId(id), now - HOUR);
    const rows = db.select().from(members).where(eq(members.guildId, r.guildId)).all();
    const owners = new Set(
      db
        .select({ ownerId: channels.ownerId })
        .from(channels)
        .where(eq(channels.kind, 'thread'))
        .all()
        .map((c) => c.ownerId),
    );
    // A distinctive name (no common word) of someone who asked a question.
    const chosen = rows.find((m) => pool.includes(m.memberId) && owners.has(m.memberId) && m.displayName.length >= 6)!;
    expect(chosen).toBeDefined();
    setProfile(db, r.guildId, asMemberId(chosen.memberId), { interests: ['grub'], about: ABOUT, timezone: null }, now);
    refreshProfiles(db, r.guildId, now, true);
    runRound(db, r.platform, r.guildId, 'erasure', now);
    scanAndNudge(db, r.guildId, now);
    const titles = db
      .select({ name: channels.name })
      .from(channels)
      .where(eq(channels.ownerId, chosen.memberId))
      .all()
      .map((c) => c.name);
    const needles = [chosen.username, chosen.displayName, ABOUT, ...titles];
    const before = findTraces(db, db.path, needles);
    // Not vacuous: the member is in the outbox's rendered messages and in the file before.
    expect(db.select().from(outbox).all().length).toBeGreaterThan(0);
    expect(before.total.cells).toBeGreaterThan(0);

    // A bot that has run a while has checkpointed: the member's rows are in the database file itself.
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const beforeIds = findId(db, chosen.memberId);

    eraseMember(db, features, r.guildId, asMemberId(chosen.memberId), now);

    const after = findTraces(db, db.path, needles);
    console.log(
      `erasure probe (${chosen.displayName}, ${titles.length} titles): before ${before.total.cells} cells, ${before.total.bytes} bytes; after ${after.total.cells} cells, ${after.total.bytes} bytes`,
      after.cells,
      after.bytes,
    );
    const afterIds = findId(db, chosen.memberId);
    console.log('member id before', beforeIds, 'after', afterIds);
    // Ids stay only where they are the note "do not profile again" and message metadata (threads, who answered whom).
    const kept = new Set(['members.member_id', 'messages.author_id', 'channels.owner_id']);
    expect(Object.keys(afterIds).filter((k) => !kept.has(k))).toEqual([]);
    expect(after.cells).toEqual({});
    expect(after.bytes).toEqual({ db: 0, wal: 0 });
  }, 120_000);
});
