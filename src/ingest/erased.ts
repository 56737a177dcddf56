/**
 * Members who erased their data (/privacy delete) are never profiled again. Ingest checks that for
 * every message, so it keeps the (small) set in memory: re-read when this process erased someone
 * (immediately) and otherwise every few seconds, which bounds how stale another process can be.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { members } from '../db/schema.js';

const REFRESH_MS = 5_000;
let version = 0;

/** Call after changing members.profilingOff in this process. */
export function erasedChanged(): void {
  version++;
}

export function erasedMembers(db: Db): { has(guildId: string, memberId: string): boolean } {
  let loadedVersion = -1;
  let loadedAt = 0;
  let set = new Set<string>();
  const load = () => {
    set = new Set(
      db
        .select({ guildId: members.guildId, memberId: members.memberId })
        .from(members)
        .where(eq(members.profilingOff, true))
        .all()
        .map((m) => `${m.guildId}/${m.memberId}`),
    );
    loadedVersion = version;
    loadedAt = Date.now();
  };
  return {
    has(guildId, memberId) {
      if (loadedVersion !== version || Date.now() - loadedAt > REFRESH_MS) load();
      return set.size > 0 && set.has(`${guildId}/${memberId}`);
    },
  };
}
