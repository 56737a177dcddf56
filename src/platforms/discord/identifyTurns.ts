/**
 * Discord's identify limit across processes. Discord allows one IDENTIFY per 5 s per bucket (shard id
 * modulo `max_concurrency`) for the whole bot and answers one more with op 9 INVALID_SESSION, which
 * costs a session start (1,000 a day). discord.js queues the shards of one process; processes running
 * shards of one bot take turns through the store they share: a turn is one conditional statement
 * that moves the bucket's `next_at` past now, so two processes never both take it.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';

/** Discord's 5 s window, and room for clocks a little apart (processes on several machines). */
export const IDENTIFY_TURN_MS = 5_000 + 500;
/** Between looks at a bucket that is taken: its turn ends at `next_at`, a process may die first. */
const MAX_WAIT_MS = 1_000;

/** discord.js's IIdentifyThrottler (@discordjs/ws). */
export interface IdentifyThrottler {
  waitForIdentify(shardId: number, signal: AbortSignal): Promise<void>;
}

/** Take the bucket's turn if it is free at `now`; true when this process has it. */
export async function takeIdentifyTurn(db: Database, bucket: number, owner: string, now: number): Promise<boolean> {
  const { identifyTurns } = db.tables;
  const taken = await db
    .insert(identifyTurns)
    .values({ bucket, nextAt: now + IDENTIFY_TURN_MS, owner })
    .onConflictDoUpdate({
      target: identifyTurns.bucket,
      set: { nextAt: sql`excluded.next_at`, owner: sql`excluded.owner` },
      setWhere: sql`${identifyTurns.nextAt} <= ${now}`,
    })
    .returning({ bucket: identifyTurns.bucket });
  return taken.length > 0;
}

/** When the bucket's current turn ends (undefined: never taken). */
async function turnEndsAt(db: Database, bucket: number): Promise<number | undefined> {
  const { identifyTurns } = db.tables;
  const [row] = await db
    .select({ nextAt: identifyTurns.nextAt })
    .from(identifyTurns)
    .where(sql`${identifyTurns.bucket} = ${bucket}`)
    .limit(1);
  return row?.nextAt;
}

export function sharedIdentifyThrottler(
  db: Database,
  maxConcurrency: number,
  owner: string,
  now: () => number = Date.now,
): IdentifyThrottler {
  return {
    async waitForIdentify(shardId, signal) {
      const bucket = shardId % Math.max(1, maxConcurrency);
      for (;;) {
        signal.throwIfAborted();
        if (await takeIdentifyTurn(db, bucket, owner, now())) return;
        const ends = (await turnEndsAt(db, bucket)) ?? now();
        await sleep(Math.min(MAX_WAIT_MS, Math.max(10, ends - now())), signal);
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
