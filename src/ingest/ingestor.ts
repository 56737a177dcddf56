/**
 * The ingest pipeline: platform adapters push CommunityEvents; the ingestor stores them in small
 * batches (one transaction per batch, flushed on the next tick), then lets each feature react.
 * `push` resolves after the event is durably stored, so a webhook can answer 2xx only then.
 *
 * When the database refuses writes (a full disk, an I/O error), nothing is dropped silently: the
 * events are kept in memory and retried with backoff, the problem is raised for /healthz and
 * /convene status, and once writes work again they are stored (features hear them then, once). Past
 * a bound the oldest are let go and recorded as a gap per guild, which recovery hands to the
 * platform adapters so their backfill reads it again.
 */
import { clearProblem, type Deps, databaseOf, raiseProblem } from '../commands.js';
import { type CacheWatcher, sharedWatcher } from '../db/cacheWatch.js';
import { type Database, transaction } from '../db/database.js';
import { isStorageFailure, storageFailureReason } from '../db/errors.js';
import type { CommunityEvent, GuildId } from '../events.js';
import type { Feature } from '../features/feature.js';
import { readSettings } from '../guildSettings.js';
import { HeldEvents, type IngestGap } from './held.js';
import { type EventApplier, eventApplier, type IngestPolicy } from './store.js';

export type { IngestGap };

interface Pending {
  event: CommunityEvent;
  resolve: (fresh: boolean) => void;
  reject: (error: unknown) => void;
}

export interface IngestorOptions {
  /** Events kept in memory while the database refuses writes (the oldest beyond it become a gap). */
  retryLimit: number;
  /** First wait before retrying a failed write; it doubles up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
}

const DEFAULTS: IngestorOptions = { retryLimit: 10_000, retryMinMs: 250, retryMaxMs: 30_000 };

/** The event was not stored now; it is kept and retried (or, past the bound, read again by a backfill). */
export class StorageUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the database refuses writes (${reason}); the event is kept and retried`);
    this.name = 'StorageUnavailableError';
  }
}

const MAX_BATCH = 2_000;

export class Ingestor {
  private apply: EventApplier;
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly policies = new Map<GuildId, IngestPolicy>();
  private readonly options: IngestorOptions;
  /** Set while the database refuses writes. */
  private failure: { reason: string; attempts: number } | null = null;
  /** Events kept while writes fail. */
  private readonly held: HeldEvents;
  private retryTimer: NodeJS.Timeout | null = null;
  private retrying = false;
  private readonly listeners = new Set<(gaps: IngestGap[]) => void>();
  /** The process's watch of cache changes (a guild's settings, in any process), with what to undo at close. */
  private readonly watching: Promise<{ watcher: CacheWatcher; unwatch: () => void }>;

  constructor(
    private readonly deps: Deps,
    private readonly features: readonly Feature[],
    options: Partial<IngestorOptions> = {},
  ) {
    // A guild's policy is kept until its settings change (in any process: see db/cacheGenerations.ts).
    this.watching = sharedWatcher(databaseOf(deps)).then((watcher) => ({
      watcher,
      unwatch: watcher.on('settings', (guildId) => this.policies.delete(guildId as GuildId)),
    }));
    // A failed LISTEN shows at the first batch, which awaits it; until then it is not unhandled.
    this.watching.catch(() => {});
    this.apply = eventApplier();
    this.options = { ...DEFAULTS, ...options };
    this.held = new HeldEvents(Math.max(1, this.options.retryLimit));
  }

  /**
   * Store one event; resolves with whether it changed anything (false for a duplicate). Rejects with
   * StorageUnavailableError when the database refuses the write: the event is then kept and retried.
   */
  push(event: CommunityEvent): Promise<boolean> {
    if (this.failure) {
      this.hold([event]);
      return Promise.reject(new StorageUnavailableError(this.failure.reason));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * Store many events now, in one transaction per MAX_BATCH (backfills, replays, benchmarks).
   * Throws StorageUnavailableError when the database refuses writes; the events are kept and retried.
   */
  async pushMany(events: readonly CommunityEvent[]): Promise<number> {
    let fresh = 0;
    for (let i = 0; i < events.length; i += MAX_BATCH) {
      if (this.failure) {
        this.hold(events.slice(i));
        throw new StorageUnavailableError(this.failure.reason);
      }
      const results = await this.processOrHold(events.slice(i, i + MAX_BATCH));
      if (!results) {
        this.hold(events.slice(i + MAX_BATCH));
        throw new StorageUnavailableError(this.failure!.reason);
      }
      fresh += results.filter(Boolean).length;
    }
    return fresh;
  }

  /** Nothing waiting to be stored and writes working: everything pushed so far is in the database. */
  get settled(): boolean {
    return this.failure === null && this.queue.length === 0 && this.held.size === 0;
  }

  /** Called once writes work again, with the gaps let go meanwhile (empty when nothing was lost). */
  onRecovered(listener: (gaps: IngestGap[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop retrying (shutdown). Events still held are lost with the process; backfill reads them again. */
  close(): void {
    void this.watching.then(
      (w) => w.unwatch(),
      () => {},
    );
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.held.size > 0) {
      this.deps.log.warn(
        { events: this.held.size },
        'stopping with events not yet stored: the next backfill reads them',
      );
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      if (this.failure) {
        this.hold(batch.map((p) => p.event));
        for (const p of batch) p.reject(new StorageUnavailableError(this.failure.reason));
        continue;
      }
      try {
        const results = await this.process(batch.map((p) => p.event));
        for (const [i, p] of batch.entries()) p.resolve(results[i]!);
      } catch (error) {
        if (isStorageFailure(error)) {
          this.failed(error);
          this.hold(batch.map((p) => p.event));
          for (const p of batch) p.reject(new StorageUnavailableError(this.failure!.reason));
        } else {
          await this.oneByOne(batch);
        }
      }
    }
  }

  /** A batch failed for something other than storage: store its events one by one so one bad event sinks only itself. */
  private async oneByOne(batch: Pending[]): Promise<void> {
    for (const [i, p] of batch.entries()) {
      if (this.failure) {
        this.queue.unshift(...batch.slice(i));
        return;
      }
      try {
        p.resolve((await this.process([p.event]))[0]!);
      } catch (error) {
        if (!isStorageFailure(error)) {
          p.reject(error);
          continue;
        }
        this.failed(error);
        this.queue.unshift(...batch.slice(i));
        return;
      }
    }
  }

  /** process(), except that a storage failure holds the events and answers null. */
  private async processOrHold(events: readonly CommunityEvent[]): Promise<boolean[] | null> {
    try {
      return await this.process(events);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.failed(error);
      this.hold(events);
      return null;
    }
  }

  /**
   * Store a batch and let every feature react, in ONE transaction: a crash can never keep an event
   * that a feature did not see (or the reverse), and a batch commits once instead of once per
   * feature per event. Features' own transactions nest as savepoints, so one feature's failure
   * rolls back only its own work — unless the database itself failed: then the whole batch rolls
   * back and is retried, so no feature misses an event whose write it could not make.
   * onEventStored is awaited inside the transaction; afterCommit runs once it committed.
   */
  private async process(events: readonly CommunityEvent[]): Promise<boolean[]> {
    const later: Promise<unknown>[] = [];
    // Changes committed before these events arrived (a setting, an erasure) apply to them.
    await (await this.watching).watcher.check();
    let results: boolean[];
    try {
      results = await transaction(databaseOf(this.deps), async (tx) => {
        const fresh: boolean[] = [];
        for (const event of events) {
          const policy = this.policies.get(event.guildId) ?? (await this.policyOf(tx, event.guildId));
          const isFresh = await this.apply(tx, event, policy);
          fresh.push(isFresh);
          for (const feature of this.features) {
            if (feature.onEvent) this.runOnEvent(feature, event, isFresh, later);
            if (feature.onEventStored) await this.runOnEventStored(feature, event, isFresh, tx);
          }
        }
        return fresh;
      });
    } catch (error) {
      // The applier caches facts it wrote ("this guild exists"); the rollback undid them.
      this.apply = eventApplier();
      throw error;
    }
    for (const [i, event] of events.entries()) {
      for (const feature of this.features) {
        if (!feature.afterCommit) continue;
        later.push(
          feature
            .afterCommit(this.deps, event, results[i]!)
            .catch((error) => this.featureFailed(feature, event, error)),
        );
      }
    }
    await Promise.all(later);
    return results;
  }

  /** The synchronous hook: its own transactions nest as savepoints of the batch (same connection). */
  private runOnEvent(feature: Feature, event: CommunityEvent, fresh: boolean, later: Promise<unknown>[]): void {
    try {
      const done = feature.onEvent!(this.deps, event, fresh);
      if (done instanceof Promise) later.push(done.catch((error) => this.featureFailed(feature, event, error)));
    } catch (error) {
      if (isStorageFailure(error)) throw error;
      this.featureFailed(feature, event, error);
    }
  }

  /** The store hook, in a savepoint: a feature's failure takes back its own work for this event only. */
  private async runOnEventStored(feature: Feature, event: CommunityEvent, fresh: boolean, tx: Database) {
    try {
      await transaction(tx, (savepoint) => feature.onEventStored!(this.deps, event, fresh, savepoint));
    } catch (error) {
      if (isStorageFailure(error)) throw error;
      this.featureFailed(feature, event, error);
    }
  }

  private featureFailed(feature: Feature, event: CommunityEvent, error: unknown): void {
    // One feature's failure must not stop ingest or the other features; it is logged with context.
    this.deps.log.error({ err: error, feature: feature.name, event: event.kind }, 'feature onEvent failed');
  }

  // ---------------------------------------------------------------------------- failing writes

  private failed(error: unknown): void {
    const reason = storageFailureReason(error);
    if (!this.failure) {
      this.deps.log.error({ err: error }, 'the database refuses writes: keeping events in memory and retrying');
      this.failure = { reason, attempts: 0 };
    } else {
      this.failure.reason = reason;
    }
    this.scheduleRetry();
  }

  /** Keep events for the retry; beyond the bound the oldest are let go (a gap the backfill reads again). */
  private hold(events: readonly CommunityEvent[]): void {
    const hadGap = this.held.letGo > 0;
    this.held.hold(events);
    if (!hadGap && this.held.letGo > 0) {
      this.deps.log.warn(
        { kept: this.options.retryLimit },
        'too many events waiting for the database: the oldest are let go and will be backfilled',
      );
    }
    this.sayProblem();
  }

  private sayProblem(): void {
    if (this.failure) raiseProblem(this.deps.status, 'database', this.held.problem(this.failure.reason));
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.retrying || !this.failure) return;
    const { retryMinMs, retryMaxMs } = this.options;
    const wait = Math.min(retryMaxMs, retryMinMs * 2 ** this.failure.attempts);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retry();
    }, wait);
  }

  private async retry(): Promise<void> {
    this.retrying = true;
    try {
      while (this.held.size > 0) {
        const batch = this.held.oldest(MAX_BATCH);
        try {
          await this.process(batch);
          this.held.forget(batch);
        } catch (error) {
          if (isStorageFailure(error)) {
            this.failure!.attempts++;
            this.failure!.reason = storageFailureReason(error);
            this.sayProblem();
            return;
          }
          await this.retryOneByOne(batch);
        }
      }
      this.recovered();
    } finally {
      this.retrying = false;
      this.scheduleRetry();
    }
  }

  /** Like oneByOne for held events: a bad event is logged and let go, a storage failure stops. */
  private async retryOneByOne(batch: readonly CommunityEvent[]): Promise<void> {
    const done: CommunityEvent[] = [];
    try {
      for (const event of batch) {
        try {
          await this.process([event]);
        } catch (error) {
          if (isStorageFailure(error)) throw error;
          this.deps.log.error({ err: error, event: event.kind }, 'ingest failed for a kept event; it is let go');
        }
        done.push(event);
      }
    } finally {
      this.held.forget(done);
    }
  }

  private recovered(): void {
    const gaps = this.held.takeGaps();
    this.failure = null;
    clearProblem(this.deps.status, 'database');
    this.deps.log.info({ gaps }, 'the database accepts writes again: kept events stored');
    for (const listener of this.listeners) listener(gaps);
    // Pushes that queued while the retry ran are flushed normally now.
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  // ---------------------------------------------------------------------------------- policies

  private async policyOf(tx: Database, guildId: GuildId): Promise<IngestPolicy> {
    const cached = this.policies.get(guildId);
    if (cached) return cached;
    const policy = { storeMessageText: (await readSettings(tx, guildId)).core.storeMessageText };
    if (this.policies.size > 10_000) this.policies.clear();
    this.policies.set(guildId, policy);
    return policy;
  }
}
