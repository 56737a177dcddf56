/**
 * Intros operations interleaved with an erasure, on both engines: the async store lets an erasure
 * commit between an operation's reads and its write. The interleaving is forced step by step (the
 * operation's reads, the erasure, the operation's write), not left to timing.
 */
import { and, asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../../src/actions.js';
import { type Database, transaction } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import { erasedMember } from '../../../src/features/core/erasure.js';
import { introsFeature } from '../../../src/features/intros/feature.js';
import { profileBuilder } from '../../../src/features/intros/profile.js';
import {
  acceptIntro,
  declineIntro,
  requestIntro,
  runRound,
  sendFollowUps,
} from '../../../src/features/intros/service.js';
import { profileSource, readProfileRow, saveProfiles } from '../../../src/features/intros/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { DAY, G, shaderClub, T0 } from './seed.js';

/**
 * A step to run once, right after the named read of intros' facts (the last read of a round, of a
 * follow-up run, before their write transaction): the deterministic place for an interleaving.
 */
const hook = vi.hoisted(() => ({ after: new Map<string, () => Promise<void>>() }));
vi.mock('../../../src/features/intros/facts.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/features/intros/facts.js')>();
  const hooked =
    <A extends unknown[], R>(name: string, f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await f(...args);
      const step = hook.after.get(name);
      hook.after.delete(name);
      if (step) await step();
      return result;
    };
  return {
    ...real,
    namesFor: hooked('namesFor', real.namesFor),
    displayNames: hooked('displayNames', real.displayNames),
  };
});

async function outboxRows(db: Database) {
  const { outbox } = db.tables;
  const rows = await db.select({ key: outbox.key, action: outbox.action }).from(outbox).orderBy(asc(outbox.id));
  return rows.map((r) => ({ key: r.key, text: JSON.stringify(r.action as Action) }));
}

/** The intros part of /privacy delete, in its own transaction (as eraseMember runs it). */
async function eraseFromIntros(db: Database, memberId: string) {
  await transaction(db, (tx) =>
    introsFeature.privacy!.erase(tx, G, asMemberId(memberId), erasedMember(G, memberId, [memberId])),
  );
}

describe.each(ENGINES)('intros against a concurrent erasure on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    await shaderClub(db);
  });
  afterEach(() => hook.after.clear());

  it('GIVEN a profile build that read its source before an erasure committed THEN its write brings back neither the profile nor the index terms of the erased member', async () => {
    const { source, pages } = await profileSource(db, G, T0 - 365 * DAY, T0);
    const builder = profileBuilder(source, T0);
    for await (const page of pages) for (const msg of page) builder.add(msg);
    const { profiles, stats } = builder.finish();
    expect(profiles.has('eve')).toBe(true);

    await eraseFromIntros(db, 'eve');
    await saveProfiles(db, G, profiles, stats, T0);

    const { introsTerms } = db.tables;
    const eveTerms = await db
      .select({ term: introsTerms.term })
      .from(introsTerms)
      .where(and(eq(introsTerms.guildId, G), eq(introsTerms.memberId, 'eve')));
    expect({ profile: await readProfileRow(db, G, 'eve'), terms: eveTerms.length }).toEqual({
      profile: null,
      terms: 0,
    });
    // The others' profiles are saved as built.
    expect((await readProfileRow(db, G, 'ann'))?.builtAt).toBe(T0);
  });

  it('GIVEN a round that read its pool before an erasure committed THEN no intro and no message of the round names the erased member', async () => {
    hook.after.set('namesFor', () => eraseFromIntros(db, 'eve'));
    const result = await runRound(db, 'discord', G, '2026-03-02', T0);
    expect(hook.after.size).toBe(0);
    const { intros } = db.tables;
    const rows = await db.select({ memberIds: intros.memberIds }).from(intros).where(eq(intros.guildId, G));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.memberIds.includes('eve'))).toEqual([]);
    const sent = await outboxRows(db);
    expect(sent.length).toBe(result.enqueued);
    expect(sent.filter((r) => r.key.endsWith(':eve') || r.text.includes('Eve'))).toEqual([]);
  });

  it('GIVEN follow-ups that read who is due before an erasure committed THEN nobody is asked "Did you meet" the erased member', async () => {
    await runRound(db, 'discord', G, '2026-03-02', T0);
    const before = (await outboxRows(db)).length;
    hook.after.set('displayNames', () => eraseFromIntros(db, 'eve'));
    const enqueued = await sendFollowUps(db, 'discord', G, T0 + 7 * DAY);
    expect(hook.after.size).toBe(0);
    const followUps = (await outboxRows(db)).slice(before);
    expect(followUps.length).toBe(enqueued);
    expect(followUps.length).toBeGreaterThan(0);
    expect(followUps.filter((r) => r.key.endsWith(':eve') || r.text.includes('Eve'))).toEqual([]);
  });

  it('GIVEN Accept pressed while Decline of the same invitation commits THEN the asker gets either the introduction or "not this time", not both', async () => {
    const ask = await requestIntro(db, 'discord', G, asMemberId('ann'), asMemberId('eve'), T0);
    const before = (await outboxRows(db)).length;
    let declined: string | undefined;
    hook.after.set('namesFor', async () => {
      declined = await declineIntro(db, 'discord', G, ask.introId, asMemberId('eve'), T0 + 1000);
    });
    const accepted = await acceptIntro(db, 'discord', G, ask.introId, asMemberId('eve'), T0 + 1000);
    expect(hook.after.size).toBe(0);
    const after = (await outboxRows(db)).slice(before).map((r) => r.key);
    expect({ declined, accepted, after }).toEqual({
      declined: 'declined',
      accepted: 'declined',
      after: [`intros:g1:declined:${ask.introId}`],
    });
  });

  it("GIVEN Accept pressed while the asker's erasure commits THEN no introduction naming the erased asker is sent", async () => {
    const ask = await requestIntro(db, 'discord', G, asMemberId('ann'), asMemberId('eve'), T0);
    const before = (await outboxRows(db)).length;
    hook.after.set('namesFor', () => eraseFromIntros(db, 'ann'));
    await expect(acceptIntro(db, 'discord', G, ask.introId, asMemberId('eve'), T0 + 1000)).rejects.toThrow(
      'This invitation is no longer open.',
    );
    expect(hook.after.size).toBe(0);
    expect((await outboxRows(db)).slice(before)).toEqual([]);
  });

  it("GIVEN Introduce us pressed while the other member's erasure commits THEN they are not asked and the asker hears it is not possible", async () => {
    const before = (await outboxRows(db)).length;
    hook.after.set('namesFor', () => eraseFromIntros(db, 'eve'));
    await expect(requestIntro(db, 'discord', G, asMemberId('ann'), asMemberId('eve'), T0)).rejects.toThrow(
      'That introduction is not possible right now. /meet has others.',
    );
    expect(hook.after.size).toBe(0);
    const { intros } = db.tables;
    expect({ intros: (await db.select().from(intros)).length, sent: (await outboxRows(db)).slice(before) }).toEqual({
      intros: 0,
      sent: [],
    });
  });
});
