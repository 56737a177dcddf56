/**
 * The catch-up (catchUp.ts) of every forum connected by command, as the environment's forum has one:
 * what was posted while Convene was down, or while a delivery failed, is read back from the forum's
 * API. One reading per forum runtime (forums.ts): at start-up, when a forum is connected or its
 * settings change (a new revision), in the process that owns forums (shard 0's): webhooks reach any
 * process, but N processes reading the same forum back would spend N times its API budget on the same
 * posts. After a storage outage, a process that let some of the forum's events go reads it back,
 * owner or not (as the environment's forum does): only it knows what it lost.
 */
import type { Deps } from '../../commands.js';
import type { GuildId } from '../../events.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import { ownsGuild } from '../../shards.js';
import { type CatchUpResult, createDiscourseCatchUp, type DiscourseCatchUp } from './catchUp.js';
import type { DiscourseClient } from './client.js';
import { platform } from './ids.js';

/** What a forum's reading needs from its runtime and its stored row. */
export interface ForumToRead {
  forumId: string;
  revision: number;
  guildId: GuildId;
  client: DiscourseClient;
  botUsername: string;
  connectedAt: number;
}

interface Reading {
  revision: number;
  catchUp: DiscourseCatchUp;
  caughtUp: Promise<CatchUpResult | null>;
  stopped: boolean;
}

export class ForumCatchUps {
  private readonly readings = new Map<string, Reading>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly options: { deps: Deps; ingestor: Ingestor }) {
    this.unsubscribe = options.ingestor.onRecovered((gaps) => {
      for (const reading of this.readings.values()) reading.catchUp.recovered(gaps);
    });
  }

  /**
   * Read the forum back in the background (webhooks are answered meanwhile: ingest is idempotent on
   * the forum's ids). A previous revision's reading stops first: its client may hold a key revoked since.
   */
  start(forum: ForumToRead): void {
    const { deps, ingestor } = this.options;
    if (this.closed) return;
    const owner = ownsGuild(deps.config.discordShards, { id: forum.guildId, platform });
    const previous = this.readings.get(forum.forumId);
    if (previous?.revision === forum.revision) return;
    const catchUp = createDiscourseCatchUp({
      deps,
      client: forum.client,
      ingestor,
      guildId: forum.guildId,
      botUsername: forum.botUsername,
      horizonMs: deps.config.backfillHorizonMs,
      live: true,
      connectedAt: forum.connectedAt,
    });
    const reading: Reading = { revision: forum.revision, catchUp, caughtUp: Promise.resolve(null), stopped: false };
    const before = previous ? this.halt(previous) : Promise.resolve();
    reading.caughtUp = before.then(() => (reading.stopped || !owner ? null : catchUp.run()));
    this.readings.set(forum.forumId, reading);
  }

  /** The forum's current reading at start (resolves null when there was none); null for a forum not read. */
  caughtUp(forumId: string): Promise<CatchUpResult | null> | null {
    return this.readings.get(forumId)?.caughtUp ?? null;
  }

  /** The forum was disconnected: its reading stops (its key is gone with it). */
  async stop(forumId: string): Promise<void> {
    const reading = this.readings.get(forumId);
    if (!reading) return;
    this.readings.delete(forumId);
    await this.halt(reading);
  }

  /** Shutdown: every reading stops after the topic it is on (the cursor says where to resume). */
  async stopAll(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await Promise.all([...this.readings.keys()].map((id) => this.stop(id)));
  }

  private async halt(reading: Reading): Promise<void> {
    reading.stopped = true;
    await reading.catchUp.stop();
    // A run waiting for the previous revision's end sees `stopped` and does not start.
    await reading.caughtUp;
  }
}
