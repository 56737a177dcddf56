/** What a feature brings to the bot: listed once in ./index.ts. */
import type { ButtonDefinition, CommandDefinition, Deps } from '../commands.js';
import type { Database } from '../db/database.js';
import type { CommunityEvent, GuildId, MemberId } from '../events.js';
import type { JobDefinition } from '../scheduler/job.js';
import type { ErasedMember } from './core/erasure.js';
import type { DigestSource } from './digest/sources.js';

export interface Feature {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each command has its own option types
  commands: CommandDefinition<any>[];
  buttons: ButtonDefinition[];
  jobs: JobDefinition[];
  /**
   * Incremental work after an event is stored (cheap: runs on every event). `fresh` is false when
   * the event changed nothing (a duplicate delivery or replay): features must not act twice.
   */
  onEvent?(deps: Deps, event: CommunityEvent, fresh: boolean): void | Promise<void>;
  /**
   * Work on the store for an event, inside ingest's transaction of the batch (awaited, in a savepoint
   * of its own): the event and what the feature derived from it commit together. `tx` is that
   * transaction; await only the database here (no network: the transaction holds the write lock).
   * A throw rolls back this feature's work for the event only, unless the database itself failed.
   */
  onEventStored?(deps: Deps, event: CommunityEvent, fresh: boolean, tx: Database): Promise<void>;
  /**
   * Work for an event that must run after ingest's transaction committed, outside it (its own
   * transaction, a checkpoint, the network). Its failure is logged; the event stays stored.
   */
  afterCommit?(deps: Deps, event: CommunityEvent, fresh: boolean): Promise<void>;
  /**
   * Reactions this feature counts (✅ marking solved…): after an outage a backfill lists who gave them
   * even when their number did not change, since one member's removal can hide another's addition.
   */
  countsReaction?(emoji: string): boolean;
  /**
   * Members own their data: what this feature keeps about a member, and erasing it. `erase` runs in
   * the one transaction of the erasure (src/features/core/privacy.ts); it deletes the member's rows
   * (see ./eraseRows.ts) and takes their id and names (`who`) out of what it derived for others.
   */
  privacy?: {
    export(db: Database, guildId: GuildId, memberId: MemberId): Promise<Record<string, unknown>>;
    erase(tx: Database, guildId: GuildId, memberId: MemberId, who?: ErasedMember): Promise<void>;
  };
  /** What this feature adds to the weekly digest (see ./digest/sources.ts); absent = nothing. */
  digest?: DigestSource;
}

export const defineFeature = (feature: Feature): Feature => feature;
