/**
 * The ingest pipeline: platform adapters push CommunityEvents; the ingestor stores them in small
 * batches (one transaction per batch, flushed on the next tick), then lets each feature react.
 * `push` resolves after the event is durably stored, so a webhook can answer 2xx only then.
 */
import type { Deps } from '../commands.js';
import type { CommunityEvent, GuildId } from '../events.js';
import type { Feature } from '../features/feature.js';
import { getSettings } from '../guildSettings.js';
import { createEventApplier, type EventApplier, type IngestPolicy } from './store.js';

interface Pending {
  event: CommunityEvent;
  resolve: (fresh: boolean) => void;
  reject: (error: unknown) => void;
}

/** How long a guild's ingest policy is trusted before it is re-read (settings change rarely). */
const POLICY_TTL_MS = 5_000;
const MAX_BATCH = 2_000;

export class Ingestor {
  private readonly apply: EventApplier;
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly policies = new Map<GuildId, { policy: IngestPolicy; until: number }>();

  constructor(
    private readonly deps: Deps,
    private readonly features: readonly Feature[],
  ) {
    this.apply = createEventApplier(deps.db);
  }

  /** Store one event; resolves with whether it changed anything (false for a duplicate). */
  push(event: CommunityEvent): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Store many events now, in one transaction per MAX_BATCH (backfills, replays, benchmarks). */
  async pushMany(events: readonly CommunityEvent[]): Promise<number> {
    let fresh = 0;
    for (let i = 0; i < events.length; i += MAX_BATCH) {
      const results = await this.process(events.slice(i, i + MAX_BATCH));
      fresh += results.filter(Boolean).length;
    }
    return fresh;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const results = await this.process(batch.map((p) => p.event));
        for (const [i, p] of batch.entries()) p.resolve(results[i]!);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }

  /**
   * Store a batch and let every feature react, in ONE transaction: a crash can never keep an event
   * that a feature did not see (or the reverse), and a batch commits once instead of once per
   * feature per event. Features' own transactions nest as savepoints, so one feature's failure
   * rolls back only its own work. A feature whose onEvent is async continues after the commit.
   */
  private async process(events: readonly CommunityEvent[]): Promise<boolean[]> {
    const later: Promise<unknown>[] = [];
    const results = this.deps.db.transaction(() =>
      events.map((event) => {
        const fresh = this.apply(event, this.policyOf(event.guildId));
        for (const feature of this.features) {
          if (!feature.onEvent) continue;
          try {
            const done = feature.onEvent(this.deps, event, fresh);
            if (done instanceof Promise) later.push(done.catch((error) => this.featureFailed(feature, event, error)));
          } catch (error) {
            this.featureFailed(feature, event, error);
          }
        }
        return fresh;
      }),
    );
    await Promise.all(later);
    return results;
  }

  private featureFailed(feature: Feature, event: CommunityEvent, error: unknown): void {
    // One feature's failure must not stop ingest or the other features; it is logged with context.
    this.deps.log.error({ err: error, feature: feature.name, event: event.kind }, 'feature onEvent failed');
  }

  private policyOf(guildId: GuildId): IngestPolicy {
    const now = Date.now();
    const cached = this.policies.get(guildId);
    if (cached && cached.until > now) return cached.policy;
    const policy = { storeMessageText: getSettings(this.deps.db, guildId).core.storeMessageText };
    this.policies.set(guildId, { policy, until: now + POLICY_TTL_MS });
    return policy;
  }

  /** Forget cached policies (after a settings change in this process). */
  invalidate(guildId: GuildId): void {
    this.policies.delete(guildId);
  }
}
