/**
 * The intros store and its read-only operations on both engines (SQLite and a real PostgreSQL
 * server): consent, the profile build and its term index, /meet, intro history and feedback,
 * privacy, and the pair reads. Rows are written through the async store (no ingest: that is the
 * world's job, on SQLite, in service.test.ts).
 */
import { and, asc, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Database, transaction } from '../../../src/db/database.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { erasedMember } from '../../../src/features/core/erasure.js';
import { scrubOthersProfiles } from '../../../src/features/intros/erase.js';
import { introsFeature } from '../../../src/features/intros/feature.js';
import { activeSidesOf, counterpartOf, linkedAcrossOf, pairedGuildOf } from '../../../src/features/intros/pairs.js';
import { pairKey } from '../../../src/features/intros/score.js';
import { refreshProfiles, suggestFor } from '../../../src/features/intros/service.js';
import {
  candidatesByTerms,
  consentingIds,
  consentingProfiles,
  dueFollowUps,
  eraseIntros,
  exportIntros,
  getIntro,
  type IntroRow,
  insertIntro,
  introCounts,
  introHistory,
  joinIntros,
  lastBuild,
  leaveIntros,
  membership,
  readProfileRow,
  recordAccepted,
  recordFeedback,
  roundPool,
  setSkipUntil,
  updateIntro,
} from '../../../src/features/intros/store.js';
import { pairCommunity } from '../../../src/features/links/identity.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { DAY, FORUM, G, guild, member, say, shaderClub, T0 } from './seed.js';

const m = asMemberId;

const intro = (over: Partial<IntroRow> & Pick<IntroRow, 'introId' | 'memberIds'>): IntroRow => ({
  guildId: G,
  kind: 'round',
  roundId: 'r1',
  roundSeq: 1,
  groupIndex: 0,
  reasons: [],
  score: 1,
  status: 'made',
  threadKey: null,
  createdAt: T0,
  decidedAt: null,
  followUpAt: null,
  followedUpAt: null,
  ...over,
});

describe.each(ENGINES)('intros store on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN members who joined, left intros, left the server or are bots THEN only those in are consenting and in the round pool', async () => {
    await shaderClub(db);
    expect(await joinIntros(db, G, m('ann'), T0)).toBe('already');
    expect(await leaveIntros(db, G, m('cat'), T0 - DAY)).toBe(true);
    expect(await leaveIntros(db, G, m('cat'), T0 - DAY)).toBe(false);
    await db
      .update(db.tables.members)
      .set({ leftAt: T0 - DAY })
      .where(and(eq(db.tables.members.guildId, G), eq(db.tables.members.memberId, 'bob')));
    expect([...(await consentingIds(db, G))].sort()).toEqual(['ann', 'eve']);
    expect([...(await consentingIds(db, G, ['ann', 'bob', 'zoe']))]).toEqual(['ann']);
    await setSkipUntil(db, G, 'eve', T0 + DAY, T0);
    expect(await roundPool(db, G, T0)).toEqual(['ann']);
    expect(await roundPool(db, G, T0 + DAY)).toEqual(['ann', 'eve']);
    expect(await membership(db, G, m('cat'))).toEqual({ joinedAt: T0 - 20 * DAY, leftAt: T0 - DAY, skipUntil: null });
    // Coming back clears the leave and the skip.
    expect(await joinIntros(db, G, m('cat'), T0)).toBe('joined');
    expect(await membership(db, G, m('cat'))).toEqual({ joinedAt: T0, leftAt: null, skipUntil: null });
  });

  it('GIVEN a profile build THEN /meet suggests the member who talks about the same things, with a reason, never the asker nor someone out of intros', async () => {
    await shaderClub(db);
    expect(await refreshProfiles(db, G, T0, true)).toBe(true);
    expect(await refreshProfiles(db, G, T0 + 1000)).toBe(false);
    expect(await lastBuild(db, G)).toMatchObject({ builtAt: T0, memberCount: 4 });
    const picks = await suggestFor(db, G, m('ann'), T0, 3);
    expect(picks[0]).toMatchObject({ memberId: 'eve', name: 'Eve' });
    expect(picks[0]!.why).toMatch(/vulkan|compute|shader|pipeline|barrier/i);
    const ids = picks.map((p) => p.memberId);
    expect(ids).not.toContain('ann');
    expect(ids).not.toContain('zoe');
    expect(ids).not.toContain('bo');
    await expect(suggestFor(db, G, m('zoe'), T0)).rejects.toThrow(/not joined intros/);
  });

  it('GIVEN the term index THEN each term gives its strongest members only and the votes add up over terms', async () => {
    await shaderClub(db);
    await refreshProfiles(db, G, T0, true);
    const { introsTerms } = db.tables;
    const vulkan = await db
      .select({ id: introsTerms.memberId, weight: introsTerms.weight })
      .from(introsTerms)
      .where(and(eq(introsTerms.guildId, G), eq(introsTerms.term, 'vulkan')));
    expect(vulkan.map((r) => r.id).sort()).toEqual(['ann', 'eve']);
    const one = await candidatesByTerms(db, G, [['vulkan', 1]], 'nobody', 1);
    expect(one.size).toBe(1);
    const both = await candidatesByTerms(
      db,
      G,
      [
        ['vulkan', 1],
        ['vulkan', 2],
        ['audio', 1],
      ],
      'ann',
      10,
    );
    const eve = vulkan.find((r) => r.id === 'eve')!.weight;
    expect(both.get('eve')).toBeCloseTo(3 * eve, 6);
    expect([...both.keys()].sort()).toEqual(['bob', 'cat', 'eve']);
    // Someone who leaves is out of the index's answers at once (before the next build).
    await leaveIntros(db, G, m('eve'), T0);
    expect((await candidatesByTerms(db, G, [['vulkan', 1]], 'ann', 10)).has('eve')).toBe(false);
    expect(await candidatesByTerms(db, G, [], 'ann', 10)).toEqual(new Map());
  });

  it('GIVEN an accepted answer THEN its author is recorded in the same statement and counts as helpful after the build', async () => {
    await shaderClub(db);
    const q = await say(db, G, 'ann', 'c-graphics', 'how do I sync a vulkan compute pass', T0 - 9 * DAY);
    const a = await say(db, G, 'eve', 'c-graphics', 'a pipeline barrier between the passes', T0 - 9 * DAY + 1000);
    expect(q).not.toBe(a);
    await recordAccepted(db, G, 'c-graphics', a, true, T0 - 9 * DAY);
    const { introsAccepted } = db.tables;
    expect(await db.select().from(introsAccepted)).toEqual([
      { guildId: G, threadId: 'c-graphics', messageId: a, authorId: 'eve', at: T0 - 9 * DAY },
    ]);
    await refreshProfiles(db, G, T0, true);
    expect((await readProfileRow(db, G, 'eve'))?.derived?.helpfulness).toBeGreaterThan(0);
    await recordAccepted(db, G, 'c-graphics', null, false, T0);
    expect(await db.select().from(introsAccepted)).toEqual([]);
  });

  it('GIVEN past intros and answers THEN history, follow-ups due and digest counts read them', async () => {
    await shaderClub(db);
    await insertIntro(db, intro({ introId: 'r1:0', memberIds: ['ann', 'eve'], followUpAt: T0 + 7 * DAY }));
    await insertIntro(
      db,
      intro({ introId: 'r1:1', groupIndex: 1, memberIds: ['bob', 'cat'], followUpAt: T0 + 7 * DAY }),
    );
    await insertIntro(
      db,
      intro({
        introId: 'meet:1',
        kind: 'meet',
        roundId: null,
        roundSeq: null,
        groupIndex: null,
        memberIds: ['ann', 'bob'],
        status: 'declined',
        createdAt: T0 + DAY,
      }),
    );
    expect((await dueFollowUps(db, G, T0 + 7 * DAY - 1)).length).toBe(0);
    expect((await dueFollowUps(db, G, T0 + 7 * DAY)).map((r) => r.introId)).toEqual(['r1:0', 'r1:1']);
    await updateIntro(db, G, 'r1:0', { followedUpAt: T0 + 7 * DAY });
    expect((await dueFollowUps(db, G, T0 + 8 * DAY)).map((r) => r.introId)).toEqual(['r1:1']);
    await recordFeedback(db, G, 'r1:0', 'ann', 'not_yet', T0 + 7 * DAY);
    await recordFeedback(db, G, 'r1:0', 'ann', 'met', T0 + 7 * DAY + 1);
    const history = await introHistory(db, G, T0 + 8 * DAY);
    expect(history.feedback.get('ann')).toEqual({ met: 1, notYet: 0 });
    expect(history.recentIntros.get('ann')).toEqual([T0]);
    expect(history.pairs.get(pairKey('ann', 'eve'))).toEqual({ at: T0, outcome: 'met' });
    expect(history.pairs.get(pairKey('bob', 'cat'))).toEqual({ at: T0, outcome: 'none' });
    expect(history.pairs.get(pairKey('ann', 'bob'))).toEqual({ at: T0 + DAY, outcome: 'declined' });
    expect(await introCounts(db, G, T0 - DAY, T0 + 8 * DAY)).toEqual({ made: 2, met: 1 });
    expect(await introCounts(db, asGuildId('other'), T0 - DAY, T0 + 8 * DAY)).toEqual({ made: 0, met: 0 });
    expect((await getIntro(db, G, 'r1:0'))?.followedUpAt).toBe(T0 + 7 * DAY);
  });

  it('GIVEN a member who asks to be erased THEN their intros rows go, and others keep profiles without them', async () => {
    await shaderClub(db);
    await refreshProfiles(db, G, T0, true);
    await insertIntro(
      db,
      intro({
        introId: 'r1:0',
        memberIds: ['ann', 'eve'],
        reasons: [{ kind: 'mutuals', count: 1, memberIds: ['bob'], weight: 1 }],
      }),
    );
    await insertIntro(
      db,
      intro({
        introId: 'r1:1',
        groupIndex: 1,
        memberIds: ['cat', 'bob'],
        reasons: [{ kind: 'mutuals', count: 1, memberIds: ['eve'], weight: 1 }],
      }),
    );
    await recordFeedback(db, G, 'r1:0', 'eve', 'met', T0 + DAY);
    const before = await exportIntros(db, G, m('eve'));
    expect(before).toMatchObject({ membership: { leftAt: null }, intros: [{ introId: 'r1:0', with: ['ann'] }] });
    expect((before.indexedTerms as unknown[]).length).toBeGreaterThan(0);
    const annBefore = (await readProfileRow(db, G, 'ann'))?.derived?.neighbours.map(([id]) => id);
    expect(annBefore).toContain('eve');

    await eraseIntros(db, G, m('eve'));
    await scrubOthersProfiles(db, G, 'eve', erasedMember(G, 'eve', ['Eve', 'eve']));
    expect(await exportIntros(db, G, m('eve'))).toEqual({
      membership: null,
      profile: null,
      indexedTerms: [],
      intros: [],
      feedback: [],
    });
    expect((await readProfileRow(db, G, 'ann'))?.derived?.neighbours.map(([id]) => id)).not.toContain('eve');
    const { intros } = db.tables;
    const left = await db
      .select({ id: intros.introId, reasons: intros.reasons })
      .from(intros)
      .orderBy(asc(intros.introId));
    expect(left).toEqual([{ id: 'r1:1', reasons: [{ kind: 'mutuals', count: 1, memberIds: [], weight: 1 }] }]);
    expect((await consentingProfiles(db, G)).has('eve')).toBe(false);
  });

  it('GIVEN a paired community with a confirmed link THEN the pair reads answer from either side', async () => {
    await guild(db, G);
    await guild(db, FORUM, 'discourse');
    for (const id of ['ann', 'lee']) await member(db, G, id);
    for (const id of ['7', '9']) await member(db, FORUM, id);
    expect(await pairedGuildOf(db, G)).toBeNull();
    expect(await linkedAcrossOf(db, G)).toEqual(new Map());
    // The way links pairs a community (its readers' caches hear of it).
    await pairCommunity(db, { guildId: G, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    const { accountLinks } = db.tables;
    await db.insert(accountLinks).values([
      { guildId: G, memberId: 'lee', otherGuildId: FORUM, otherMemberId: '9', createdAt: T0, linkedAt: T0 },
      // A link still pending (its code not confirmed) links nobody.
      { guildId: G, memberId: 'ann', otherGuildId: FORUM, otherMemberId: '7', createdAt: T0, linkedAt: null },
    ]);
    expect(await pairedGuildOf(db, G)).toBe(FORUM);
    expect(await pairedGuildOf(db, FORUM)).toBe(G);
    expect(await linkedAcrossOf(db, G)).toEqual(new Map([['lee', '9']]));
    expect(await linkedAcrossOf(db, FORUM)).toEqual(new Map([['9', 'lee']]));
    expect(await counterpartOf(db, G, 'lee')).toEqual({ guildId: FORUM, memberId: '9' });
    expect(await counterpartOf(db, FORUM, '9')).toEqual({ guildId: G, memberId: 'lee' });
    expect(await counterpartOf(db, G, 'ann')).toBeNull();
    // Lee posted last on the forum: reached there; once gone from the forum, here.
    await say(db, G, 'lee', 'c1', 'hello', T0 - 2 * DAY);
    await say(db, FORUM, '9', 't1', 'hello', T0 - DAY);
    expect(await activeSidesOf(db, G, FORUM, [['lee', '9']])).toEqual(new Map([['lee', 'there']]));
    await db
      .update(db.tables.members)
      .set({ leftAt: T0 })
      .where(and(eq(db.tables.members.guildId, FORUM), eq(db.tables.members.memberId, '9')));
    expect(await activeSidesOf(db, G, FORUM, [['lee', '9']])).toEqual(new Map([['lee', 'here']]));
  });
  it("GIVEN the feature's hooks THEN an accepted answer is stored in ingest's transaction, and a forum member's erasure takes the Discord guild's intros with them", async () => {
    await shaderClub(db);
    await guild(db, FORUM, 'discourse');
    await member(db, FORUM, '7');
    await db
      .insert(db.tables.communityPairs)
      .values({ guildId: G, forumGuildId: FORUM, pairedBy: 'mod', pairedAt: T0 });
    const a = await say(db, G, 'eve', 'c-graphics', 'use a pipeline barrier', T0 - DAY);
    const accepted = {
      kind: 'answer.accepted' as const,
      platform: 'discord' as const,
      guildId: G,
      at: T0 - DAY,
      threadId: 'c-graphics' as never,
      messageId: a as never,
      byMemberId: m('ann'),
      accepted: true,
    };
    // A rolled-back batch keeps nothing of the hook's work; a replay (not fresh) does nothing.
    await expect(
      transaction(db, async (tx) => {
        await introsFeature.onEventStored!({} as never, accepted, true, tx);
        throw new Error('the batch failed');
      }),
    ).rejects.toThrow('the batch failed');
    await transaction(db, (tx) => introsFeature.onEventStored!({} as never, accepted, false, tx));
    expect(await db.select().from(db.tables.introsAccepted)).toEqual([]);
    await transaction(db, (tx) => introsFeature.onEventStored!({} as never, accepted, true, tx));
    expect(await db.select({ author: db.tables.introsAccepted.authorId }).from(db.tables.introsAccepted)).toEqual([
      { author: 'eve' },
    ]);

    const forumKey = `${FORUM}/7`;
    await insertIntro(db, intro({ introId: 'r1:0', memberIds: ['ann', forumKey] }));
    const exported = await introsFeature.privacy!.export(db, FORUM, m('7'));
    expect(exported.acrossPlatforms).toMatchObject([{ introId: 'r1:0', with: ['ann'] }]);
    await transaction(db, (tx) => introsFeature.privacy!.erase(tx, FORUM, m('7')));
    expect(await getIntro(db, G, 'r1:0')).toBeNull();
    expect((await introsFeature.privacy!.export(db, FORUM, m('7'))).acrossPlatforms).toEqual([]);
  });
});
