/**
 * Discord backfill: what was said, edited, deleted and reacted while the bot was not listening
 * (down, or between two gateway sessions), read from Discord's history and reconciled with the store.
 *
 * - Every channel is read forwards (oldest first) from its sync cursor until the end of its history,
 *   page by page, however many pages that takes; the cursor advances after each page, so a crash
 *   mid-backfill resumes where it stopped. Nothing older than the horizon (CONVENE_BACKFILL_HORIZON)
 *   is read.
 * - The reading starts a day before the cursor: edits, deletions and reactions made while the bot was
 *   away usually concern recent messages, and only a re-read shows them (reconcile.ts decides).
 * - The member list is read too: newcomers are stored (and welcomed), members we held as present who
 *   are no longer listed are marked left.
 * - Between pages it yields, so live gateway events are stored while a long backfill runs.
 * - While the gateway stream is whole, a checkpoint moves the cursors of channels read in this session
 *   forward, so the next restart reads only what it missed.
 */
import {
  type Client,
  type Guild,
  type GuildMember,
  type Message,
  PermissionFlagsBits,
  type TextBasedChannel,
} from 'discord.js';
import { type Deps, databaseOf } from '../../commands.js';
import { asGuildId, asMemberId, type CommunityEvent, snowflakeAt, snowflakeTime } from '../../events.js';
import { advanceCursors, readCursors } from '../../ingest/cursors.js';
import { type IngestGap, type Ingestor, StorageUnavailableError } from '../../ingest/ingestor.js';
import { guildSnapshotEvents, memberJoinedEvent, threadEvent } from './mapping.js';
import { compareIds, pageEvents, seenMessage } from './pageEvents.js';
import { planPage } from './reconcile.js';
import { heldMessages, newestMessageAt, presentMembers } from './store.js';

/** Edits, deletions and reactions are re-checked for this long before where the bot stopped. */
const RECHECK_MS = 86_400_000;
/** Discord returns at most 100 messages per request. */
const PAGE = 100;
/** A channel read to its end is synced up to our clock less this (Discord's clock may run behind). */
const CLOCK_SKEW_MS = 10_000;
/** How often cursors follow the live stream, and how far behind it (events in flight). */
const CHECKPOINT_EVERY_MS = 60_000;
const CHECKPOINT_LAG_MS = 60_000;
/**
 * A guild's scheduled work waits while its history is read (see `catchingUp`), but no longer than
 * this: a channel that cannot be read must not stop its nudges and digests for good.
 */
export const CATCH_UP_WAIT_MS = 10 * 60_000;

export interface BackfillResult {
  messages: number;
  members: number;
}

export interface DiscordBackfillOptions {
  deps: Deps;
  ingestor: Ingestor;
  /** How far back history is read at most (CONVENE_BACKFILL_HORIZON). */
  horizonMs: number;
  contentGranted: () => boolean;
  /** Reactions some feature counts: their users are listed even when the count is unchanged. */
  countsReaction?: (emoji: string) => boolean;
  now?: () => number;
}

export interface DiscordBackfill {
  /**
   * Start-up: store each guild's snapshot (channels, threads, members) now, so live events find them,
   * then read the channels' history in the background. Resolves once the snapshots are stored.
   */
  start(guilds: Iterable<Guild>): Promise<void>;
  /** Backfill one guild; a call while one runs queues one more run after it. Never rejects. */
  backfill(guild: Guild): Promise<BackfillResult>;
  /** Whether the gateway is delivering events (connected, or resumed with the missed ones replayed). */
  setLive(live: boolean): void;
  /** A new gateway session: what happened between the two was not delivered; read every guild again. */
  newSession(): void;
  /** The database accepts writes again: read again what was let go or what a backfill could not store. */
  recovered(gaps: readonly IngestGap[]): void;
  /**
   * Whether the guild's history is still being read: from the moment a backfill of it is asked for
   * (start-up, a new gateway session, recovery) until one reads every channel to its end, for at most
   * CATCH_UP_WAIT_MS. Work that decides from history (a nudge for a question that was answered while
   * the bot was away, a digest) must wait for it.
   */
  catchingUp(guildId: string): boolean;
  /** Stop after the current page, and checkpoint. */
  stop(): Promise<void>;
}

type Channel = TextBasedChannel & { id: string };

export function createDiscordBackfill(client: Client, options: DiscordBackfillOptions): DiscordBackfill {
  const { deps, ingestor } = options;
  const now = options.now ?? Date.now;
  const log = deps.log.child({ module: 'discord-backfill' });
  /** Channels read to the end in the current, whole gateway stream, by guild: the checkpoint moves them. */
  const synced = new Map<string, Set<string>>();
  /** Guilds whose last run did not finish (a failed write, a stop): read again on recovery. */
  const unfinished = new Set<string>();
  /** Bumped when a guild's stream had a hole: a run that started before does not mark channels synced. */
  const epochs = new Map<string, number>();
  const running = new Map<string, Promise<BackfillResult>>();
  const queued = new Map<string, Promise<BackfillResult>>();
  /** Members in the last member list read, by guild (for /convene status). */
  const memberCounts = new Map<string, number>();
  /** Guilds whose history is being read, since when (see `catchingUp`). */
  const catchingUpSince = new Map<string, number>();
  let live = true;
  let stopping = false;
  const timer = setInterval(() => void checkpoint(), CHECKPOINT_EVERY_MS);
  timer.unref();

  function backfill(guild: Guild, snapshot = true): Promise<BackfillResult> {
    if (!catchingUpSince.has(guild.id)) catchingUpSince.set(guild.id, now());
    const waiting = queued.get(guild.id);
    if (waiting) return waiting;
    const current = running.get(guild.id);
    const next = (current ?? Promise.resolve())
      .then(() => {
        queued.delete(guild.id);
        return runGuild(guild, snapshot);
      })
      .catch((error: unknown) => {
        log.error({ err: error, guildId: guild.id }, 'backfill failed');
        unfinished.add(guild.id);
        return { messages: 0, members: 0 };
      });
    if (current) queued.set(guild.id, next);
    running.set(guild.id, next);
    void next.then(() => {
      if (running.get(guild.id) === next) running.delete(guild.id);
    });
    return next;
  }

  function hole(guildId: string): void {
    synced.delete(guildId);
    epochs.set(guildId, (epochs.get(guildId) ?? 0) + 1);
  }

  async function start(guilds: Iterable<Guild>): Promise<void> {
    for (const guild of guilds) {
      const { events, members } = await guildEvents(guild);
      const stored = await store(events);
      memberCounts.set(guild.id, members);
      void backfill(guild, !stored);
    }
  }

  async function runGuild(guild: Guild, snapshot: boolean): Promise<BackfillResult> {
    const guildId = asGuildId(guild.id);
    const epoch = epochs.get(guild.id) ?? 0;
    unfinished.delete(guild.id);
    let members = memberCounts.get(guild.id) ?? 0;
    if (snapshot) {
      const taken = await guildEvents(guild);
      members = taken.members;
      memberCounts.set(guild.id, members);
      if (!(await store(taken.events))) {
        unfinished.add(guild.id);
        return { messages: 0, members };
      }
    }
    const cursors = await readCursors(databaseOf(deps), guildId);
    const done: string[] = [];
    let messageCount = 0;
    let finished = true;
    for (const channel of readableChannels(guild)) {
      if (stopping) {
        finished = false;
        break;
      }
      const result = await backfillChannel(guild, channel, cursors.get(channel.id));
      messageCount += result.messages;
      if (result.done) done.push(channel.id);
      else finished = false;
      if (result.storageFailed) break;
    }
    if (!finished) unfinished.add(guild.id);
    if ((epochs.get(guild.id) ?? 0) === epoch) {
      const set = synced.get(guild.id) ?? new Set<string>();
      for (const id of done) set.add(id);
      synced.set(guild.id, set);
    }
    deps.status.lastBackfill = { at: now(), messages: messageCount, members };
    // Caught up once a run read everything and no other run is waiting (a new session queued one).
    if (finished && !queued.has(guild.id)) catchingUpSince.delete(guild.id);
    log.info({ guildId, messages: messageCount, members, finished }, 'backfill done');
    return { messages: messageCount, members };
  }

  /** The guild, its channels and active threads, its members (and who left while we were away). */
  async function guildEvents(guild: Guild): Promise<{ events: CommunityEvent[]; members: number }> {
    const guildId = asGuildId(guild.id);
    const events: CommunityEvent[] = guildSnapshotEvents(guild);
    let members = 0;
    if (deps.status.intents.guildMembers) {
      // Read who we think is here BEFORE the list: someone who joins while it downloads is not "gone".
      const present = await presentMembers(databaseOf(deps), guildId);
      try {
        const fetched = await guild.members.fetch();
        for (const member of fetched.values()) events.push(memberJoinedEvent(member as GuildMember));
        members = fetched.size;
        const at = now();
        for (const id of present) {
          if (!fetched.has(id))
            events.push({ kind: 'member.left', platform: 'discord', guildId, at, memberId: asMemberId(id) });
        }
      } catch (error) {
        log.warn({ err: error, guildId }, 'backfill: could not fetch the member list');
      }
    }
    try {
      const active = await guild.channels.fetchActiveThreads();
      for (const thread of active.threads.values()) events.push(threadEvent(thread));
    } catch (error) {
      log.warn({ err: error, guildId }, 'backfill: could not fetch active threads');
    }
    return { events, members };
  }

  /** Text channels and threads whose history the bot may read (Discord answers [] otherwise). */
  function readableChannels(guild: Guild): Channel[] {
    const me = guild.members.me;
    return [...guild.channels.cache.values()].filter(
      (c): c is typeof c & Channel =>
        c.isTextBased() &&
        !c.isVoiceBased() &&
        (!me ||
          (c.permissionsFor(me)?.has([PermissionFlagsBits.ViewChannel, PermissionFlagsBits.ReadMessageHistory]) ??
            false)),
    );
  }

  async function store(events: readonly CommunityEvent[]): Promise<boolean> {
    try {
      await ingestor.pushMany(events);
      return true;
    } catch (error) {
      if (error instanceof StorageUnavailableError) return false;
      throw error;
    }
  }

  async function backfillChannel(
    guild: Guild,
    channel: Channel,
    syncedAt: number | undefined,
  ): Promise<{ messages: number; done: boolean; storageFailed?: boolean }> {
    const guildId = asGuildId(guild.id);
    const start = now();
    // A channel synced before cursors existed: from its newest message. Never read: the whole horizon.
    const base = syncedAt ?? (await newestMessageAt(databaseOf(deps), guildId, channel.id));
    const from = Math.max(start - options.horizonMs, base === undefined ? 0 : base - RECHECK_MS);
    let after = snowflakeAt(from);
    let count = 0;
    for (;;) {
      if (stopping) return { messages: count, done: false };
      const fetchedAt = now();
      // The newest message stored before this read: everything up to it existed when Discord answered.
      const heldBefore = (await newestMessageAt(databaseOf(deps), guildId, channel.id)) ?? 0;
      let page: Message[];
      try {
        const fetched = await channel.messages.fetch({ after, limit: PAGE, cache: false });
        page = [...fetched.values()].sort((a, b) => compareIds(a.id, b.id));
      } catch (error) {
        log.warn({ err: error, channelId: channel.id }, 'backfill: could not read channel history');
        return { messages: count, done: false };
      }
      const full = page.length >= PAGE;
      const last = page.at(-1);
      // The stretch this page covers: after `after`, up to its last message — or, on the last page, up
      // to the newest message stored before the read (one stored since may have been posted since).
      const upTo = full ? last!.createdTimestamp : heldBefore;
      const held = (await heldMessages(databaseOf(deps), guildId, channel.id, snowflakeTime(after), upTo)).filter(
        (m) => compareIds(m.id, after) > 0 && (!full || compareIds(m.id, last!.id) <= 0),
      );
      const seen = page.filter((m) => !m.system);
      const plan = planPage(seen.map(seenMessage), held, options.countsReaction);
      const events = await pageEvents(plan, seen, held, {
        guildId,
        channelId: channel.id,
        fetchedAt,
        noticedAt: now(),
        contentGranted: options.contentGranted(),
        log,
      });
      if (!(await store(events))) return { messages: count, done: false, storageFailed: true };
      count += plan.create.length;
      const reached = full ? last!.createdTimestamp : Math.max(last?.createdTimestamp ?? 0, fetchedAt - CLOCK_SKEW_MS);
      try {
        await advanceCursors(databaseOf(deps), guildId, [[channel.id, reached]], now());
      } catch (error) {
        log.warn({ err: error, channelId: channel.id }, 'backfill: could not save the cursor');
        return { messages: count, done: false, storageFailed: true };
      }
      if (!full) return { messages: count, done: true };
      after = last!.id;
      // Let live events in between pages.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async function checkpoint(): Promise<void> {
    if (!live || stopping || !ingestor.settled) return;
    const at = now() - CHECKPOINT_LAG_MS;
    try {
      for (const [guildId, channels] of synced) {
        if (channels.size > 0)
          await advanceCursors(
            databaseOf(deps),
            asGuildId(guildId),
            [...channels].map((c) => [c, at]),
            now(),
          );
      }
    } catch (error) {
      // A failing database is the ingestor's to report; the cursors simply stay where they were.
      log.debug({ err: error }, 'backfill checkpoint failed');
    }
  }

  return {
    start,
    backfill: (guild) => backfill(guild),
    setLive(value) {
      live = value;
    },
    newSession() {
      live = true;
      for (const guild of client.guilds.cache.values()) {
        hole(guild.id);
        void backfill(guild);
      }
    },
    recovered(gaps) {
      const again = new Set([...unfinished, ...gaps.filter((g) => g.platform === 'discord').map((g) => g.guildId)]);
      for (const guildId of again) {
        hole(guildId);
        const guild = client.guilds.cache.get(guildId);
        if (guild) void backfill(guild);
      }
    },
    catchingUp(guildId) {
      const since = catchingUpSince.get(guildId);
      if (since === undefined) return false;
      if (now() - since < CATCH_UP_WAIT_MS) return true;
      log.warn({ guildId, since }, 'backfill: history still not read whole; scheduled work goes ahead without it');
      catchingUpSince.delete(guildId);
      return false;
    },
    async stop() {
      await checkpoint();
      stopping = true;
      clearInterval(timer);
      await Promise.all([...running.values()]);
    },
  };
}
