/**
 * Members who erased their data (/privacy delete) are never profiled again. Ingest checks that for
 * every message, so it keeps the (small) set in memory per connection, re-read after an erasure
 * committed by any process (the 'erased' cache generation, bumped in the erasure's transaction;
 * the applier looks for new generations before each event outside a transaction, the ingestor
 * before each batch).
 */
import { eq } from 'drizzle-orm';
import { checkCaches, onCacheChange } from '../db/cacheGenerations.js';
import type { Db } from '../db/connection.js';
import { members } from '../db/schema.js';

interface Erased {
  set: Set<string> | null;
}

const perConnection = new WeakMap<object, Erased>();

export function erasedMembers(db: Db): { has(guildId: string, memberId: string): boolean } {
  let state = perConnection.get(db.$client);
  if (!state) {
    const made: Erased = { set: null };
    // Registered before the first read, so no erasure between the two is missed.
    onCacheChange(db, 'erased', () => {
      made.set = null;
    });
    perConnection.set(db.$client, made);
    state = made;
  }
  const erased = state;
  const load = () =>
    new Set(
      db
        .select({ guildId: members.guildId, memberId: members.memberId })
        .from(members)
        .where(eq(members.profilingOff, true))
        .all()
        .map((m) => `${m.guildId}/${m.memberId}`),
    );
  return {
    has(guildId, memberId) {
      // One pragma outside a transaction; inside one, only this process's own changes are looked at
      // (the ingestor looks for other processes' before each batch).
      checkCaches(db);
      if (erased.set === null) erased.set = load();
      return erased.set.size > 0 && erased.set.has(`${guildId}/${memberId}`);
    },
  };
}
