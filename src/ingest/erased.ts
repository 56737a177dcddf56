/**
 * Members who erased their data (/privacy delete) are never profiled again. Ingest checks that for
 * every message, so it keeps the (small) set in memory:
 *   - SQLite: per connection, re-read after an erasure committed by any process (the 'erased' cache
 *     generation, bumped in the erasure's transaction; looked for before each event outside a
 *     transaction, and by the ingestor before each batch).
 *   - PostgreSQL: read once per transaction (a batch of the ingestor), so an erasure committed before
 *     the batch began applies to all of it; outside a transaction, at each call.
 */
import { eq } from 'drizzle-orm';
import { checkClient, onChangeOf } from '../db/cacheGenerations.js';
import { type Database, opsOf } from '../db/handle.js';

export interface ErasedCheck {
  has(guildId: string, memberId: string): boolean;
}

interface Erased {
  set: Set<string> | null;
  /** Drops so far: a set read while one happened is not kept. */
  drops: number;
}

/** The SQLite connection the set belongs to (db/cacheGenerations.ts). */
type Client = Parameters<typeof checkClient>[0];

const perConnection = new WeakMap<object, Erased>();

function stateOf(client: Client): Erased {
  let state = perConnection.get(client);
  if (!state) {
    const made: Erased = { set: null, drops: 0 };
    // Registered before the first read, so no erasure between the two is missed.
    onChangeOf(client, 'erased', () => {
      made.set = null;
      made.drops++;
    });
    perConnection.set(client, made);
    state = made;
  }
  return state;
}

const checkOf = (set: Set<string>): ErasedCheck => ({
  has: (guildId, memberId) => set.size > 0 && set.has(`${guildId}/${memberId}`),
});

async function load(tx: Database): Promise<Set<string>> {
  const { members } = tx.tables;
  const rows = await tx
    .select({ guildId: members.guildId, memberId: members.memberId })
    .from(members)
    .where(eq(members.profilingOff, true));
  return new Set(rows.map((m) => `${m.guildId}/${m.memberId}`));
}

const perTransaction = new WeakMap<Database, Promise<Set<string>>>();

/**
 * Who erased their data, as `tx` (a transaction, or the database) sees it now. On SQLite the set is
 * usually known: it is answered without a promise (ingest asks for every message).
 */
export function erasedIn(tx: Database): ErasedCheck | Promise<ErasedCheck> {
  const ops = opsOf(tx);
  if (ops.engine === 'postgres') {
    // Outside a transaction, each call reads it.
    if (!ops.scope) return load(tx).then(checkOf);
    let set = perTransaction.get(tx);
    if (!set) {
      set = load(tx);
      perTransaction.set(tx, set);
    }
    return set.then(checkOf);
  }
  const client = ops.root as Client;
  const state = stateOf(client);
  // One pragma outside a transaction; inside one, only this process's own changes are looked at
  // (the ingestor looks for other processes' before each batch).
  checkClient(client);
  if (state.set !== null) return checkOf(state.set);
  const drops = state.drops;
  return load(tx).then((set) => {
    // An erasure heard while the set was read dropped it: use it for this event only.
    if (state.drops === drops) state.set = set;
    return checkOf(set);
  });
}
