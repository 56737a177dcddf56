/**
 * Intros operations interleaved with an erasure, on both engines: the async store lets an erasure
 * commit between an operation's reads and its write. The interleaving is forced step by step (the
 * operation's reads, the erasure, the operation's write), not left to timing.
 */
import { and, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Database, transaction } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import { erasedMember } from '../../../src/features/core/erasure.js';
import { introsFeature } from '../../../src/features/intros/feature.js';
import { profileBuilder } from '../../../src/features/intros/profile.js';
import { profileSource, readProfileRow, saveProfiles } from '../../../src/features/intros/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { DAY, G, shaderClub, T0 } from './seed.js';

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
});
