/** What a feature brings to the bot: listed once in ./index.ts. */
import type { ButtonDefinition, CommandDefinition, Deps } from '../commands.js';
import type { Db } from '../db/connection.js';
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
    export(db: Db, guildId: GuildId, memberId: MemberId): Record<string, unknown>;
    erase(db: Db, guildId: GuildId, memberId: MemberId, who?: ErasedMember): void;
  };
  /** What this feature adds to the weekly digest (see ./digest/sources.ts); absent = nothing. */
  digest?: DigestSource;
}

export const defineFeature = (feature: Feature): Feature => feature;
