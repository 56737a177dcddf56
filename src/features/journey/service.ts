/**
 * The journey service: joins the pure rules (track, evaluate, compose) with the store and the outbox.
 * Every decision and the Actions it makes are written in one transaction, each Action under an
 * idempotency key, so a replay, a duplicate delivery or a restart never sends anything twice.
 */
import type { Action, MessageBody, OutboxItem } from '../../actions.js';
import { UserFacingError } from '../../commands.js';
import type { Db } from '../../db/connection.js';
import type {
  AnswerAccepted,
  CommunityEvent,
  GuildId,
  MemberId,
  MemberJoined,
  MessageCreated,
  Platform,
  ReactionAdded,
} from '../../events.js';
import { asChannelId, asMemberId, asRoleId } from '../../events.js';
import { type GuildSettings, getSettings, settingsSchema, updateSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { safeText } from '../../text/fit.js';
import { type Account, counterpart, linkedAcross } from '../links/identity.js';
import {
  type ChannelRef,
  type Invitation,
  type JourneyView,
  type Places,
  renderCongrats,
  renderNudge,
  renderWelcome,
  type TrackView,
} from './compose.js';
import {
  addCount,
  type Evaluation,
  evaluate,
  isHelpfulReaction,
  type MemberFacts,
  meets,
  mergeFacts,
  messageKinds,
  progressOf,
} from './evaluate.js';
import type { JourneySettings } from './settings.js';
import {
  busiestThread,
  channelById,
  channelInfo,
  channelNamed,
  coreMember,
  creditSolved,
  dueCongratulations,
  firstPostOf,
  getJourney,
  guildRow,
  hasEarlierMessage,
  insertMilestone,
  insertMilestones,
  type JourneyRow,
  journeysPage,
  markFirstReply,
  membersAtStage,
  messageInfo,
  milestonesBetween,
  newJourneyRow,
  openQuestion,
  saveJourney,
  silentNewcomers,
  stageCounts,
  topicChannels,
  unwelcomedJoins,
} from './store.js';
import { isTimeBased, type Stage, stageIndex, type Track } from './track.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A join older than this when we first see it (the bot was down) gets no welcome. */
export const WELCOME_WINDOW_MS = 24 * HOUR;
/** At most one message from the journey to a member per hour. */
export const CONTACT_GAP_MS = HOUR;
/** Events older than this are history (a backfill, a long outage): milestones and roles, no messages. */
const STALE_MS = 24 * HOUR;
/** The silent-newcomer nudge is offered for this long after `afterDays`; later it would be a stranger's DM. */
const NUDGE_WINDOW_MS = 7 * DAY;
const TOPIC_WINDOW_MS = 30 * DAY;
const SWEEP_PAGE = 5_000;
/** Names that identify the introductions and the help channels when none is configured. */
const INTRO_NAMES = ['intro'];
const HELP_NAMES = ['help', 'question', 'support'];
/**
 * Detected channels are looked up again after this many uses, and whenever a channel event passes
 * through handleEvent. Counted in uses, not time: a replay's clock jumps hours between events.
 */
const PLACES_USES = 500;

// ---------------------------------------------------------------------------------------------
// Guild context (settings parsed once per change, detected channels cached briefly)

interface GuildContext {
  guildId: GuildId;
  platform: Platform;
  serverName: string;
  settings: GuildSettings;
  journey: JourneySettings;
  track: Track;
  places: Places & { help: ChannelRef | null };
}

interface Cached {
  settingsText: string;
  name: string;
  context: GuildContext;
  /** Uses left before the detected channels are looked up again (0: now). */
  placesUses: number;
  /** The track the last full sweep evaluated everyone against (JSON), to skip needless full sweeps. */
  sweptTrack: string | null;
}
const contexts = new WeakMap<Db, Map<string, Cached>>();

function cachedContext(db: Db, guildId: GuildId): Cached | null {
  const guild = guildRow(db, guildId);
  if (!guild) return null;
  let perDb = contexts.get(db);
  if (!perDb) {
    perDb = new Map();
    contexts.set(db, perDb);
  }
  let cached = perDb.get(guildId);
  if (!cached || cached.settingsText !== guild.settingsText || cached.name !== guild.name) {
    const settings = settingsSchema.parse(JSON.parse(guild.settingsText || '{}'));
    cached = {
      settingsText: guild.settingsText,
      name: guild.name,
      placesUses: 0,
      sweptTrack: null,
      context: {
        guildId,
        platform: guild.platform,
        serverName: guild.name,
        settings,
        journey: settings.journey,
        track: settings.journey.track,
        places: { introductions: null, help: null },
      },
    };
    perDb.set(guildId, cached);
  }
  if (cached.placesUses-- <= 0) {
    const configured = cached.context.journey.introductionsChannelId;
    cached.context.places = {
      introductions: configured
        ? (channelById(db, guildId, configured) ?? { channelId: configured, name: 'introductions' })
        : (channelNamed(db, guildId, INTRO_NAMES) ?? null),
      help: channelNamed(db, guildId, HELP_NAMES) ?? null,
    };
    cached.placesUses = PLACES_USES;
  }
  return cached;
}

const loadContext = (db: Db, guildId: GuildId): GuildContext | null => cachedContext(db, guildId)?.context ?? null;

/** A channel appeared or changed: look the introductions and help channels up again on next use. */
function forgetPlaces(db: Db, guildId: GuildId): void {
  const cached = contexts.get(db)?.get(guildId);
  if (cached) cached.placesUses = 0;
}

const item = (ctx: GuildContext, key: string, action: Action): OutboxItem => ({
  platform: ctx.platform,
  guildId: ctx.guildId,
  key,
  action,
});

function rowFor(db: Db, ctx: GuildContext, memberId: string, at: number): JourneyRow {
  // A member first seen through a message or a reaction was here before we watched: joinedAt stays
  // null, which keeps them out of congratulations for stages they passed long ago.
  return getJourney(db, ctx.guildId, memberId) ?? newJourneyRow(ctx.guildId, memberId, '', at, null);
}

const canContact = (row: JourneyRow, now: number) =>
  row.lastContactAt === null || now - row.lastContactAt >= CONTACT_GAP_MS;

// ---------------------------------------------------------------------------------------------
// Events

/**
 * React to one freshly stored event (never call it for a duplicate: ingest's `fresh` is false).
 * `now` is the bot's clock; the event's own time decides milestones. Returns Actions enqueued.
 */
export function handleEvent(db: Db, event: CommunityEvent, now: number): number {
  switch (event.kind) {
    case 'member.joined':
      return event.bot
        ? 0
        : inTransaction(db, event.guildId, now, (ctx, items) => onJoined(db, ctx, event, now, items));
    case 'message.created':
      return event.authorIsBot
        ? 0
        : inTransaction(db, event.guildId, now, (ctx, items) => onMessage(db, ctx, event, now, items));
    case 'reaction.added':
      return isHelpfulReaction(event.emoji)
        ? inTransaction(db, event.guildId, now, (ctx, items) => onReaction(db, ctx, event, now, items))
        : 0;
    case 'answer.accepted':
      return event.accepted && event.messageId
        ? inTransaction(db, event.guildId, now, (ctx, items) => onAccepted(db, ctx, event, now, items))
        : 0;
    case 'channel.upserted':
      forgetPlaces(db, event.guildId);
      return 0;
    default:
      return 0;
  }
}

function inTransaction(
  db: Db,
  guildId: GuildId,
  now: number,
  work: (ctx: GuildContext, items: OutboxItem[]) => void,
): number {
  return db.transaction(() => {
    const ctx = loadContext(db, guildId);
    if (!ctx) return 0;
    const items: OutboxItem[] = [];
    work(ctx, items);
    return items.length > 0 ? enqueue(db, items, now) : 0;
  });
}

function onJoined(db: Db, ctx: GuildContext, event: MemberJoined, now: number, items: OutboxItem[]): void {
  const row = rowFor(db, ctx, event.memberId, event.at);
  // Only a join we see as it happens starts a journey we congratulate along (a backfilled or late
  // join belongs to someone who may have been here for years).
  if (now - event.at <= STALE_MS) row.joinedAt ??= event.at;
  welcomeIfDue(db, ctx, row, event.at, now, items);
  progress(db, ctx, row, event.at, now, items);
  saveJourney(db, row, now);
}

/** Welcome once ever, and only while the join is recent (a join seen a day late is not welcomed). */
function welcomeIfDue(
  db: Db,
  ctx: GuildContext,
  row: JourneyRow,
  joinedAt: number,
  now: number,
  items: OutboxItem[],
): void {
  if (row.welcomedAt !== null || now - joinedAt > WELCOME_WINDOW_MS || !ctx.journey.welcome.enabled) return;
  const welcome = welcomeItems(
    ctx,
    row.memberId,
    `welcome:${ctx.guildId}:${row.memberId}`,
    welcomeTopics(db, ctx, now),
  );
  if (welcome.length === 0) return;
  items.push(...welcome);
  row.welcomedAt = now;
  row.lastContactAt = now;
}

/**
 * The busiest topic channels to name in a welcome (not the welcome or introductions channel itself):
 * "People here talk in …" names only channels where members did talk lately.
 */
function welcomeTopics(db: Db, ctx: GuildContext, now: number): ChannelRef[] {
  const skip = new Set([ctx.places.introductions?.channelId, ctx.journey.welcome.channelId]);
  return topicChannels(db, ctx.guildId, now - TOPIC_WINDOW_MS, 5)
    .filter((c) => c.messages > 0 && !skip.has(c.channelId))
    .slice(0, 3)
    .map(({ channelId, name }) => ({ channelId, name }));
}

function welcomeBody(ctx: GuildContext, memberId: string, topics: ChannelRef[]): MessageBody {
  return renderWelcome({
    memberId,
    serverName: ctx.serverName,
    topicChannels: topics,
    introductions: ctx.places.introductions,
    help: ctx.places.help,
    customText: ctx.journey.welcome.text,
  });
}

function welcomeItems(ctx: GuildContext, memberId: string, key: string, topics: ChannelRef[]): OutboxItem[] {
  const w = ctx.journey.welcome;
  const body = welcomeBody(ctx, memberId, topics);
  const out: OutboxItem[] = [];
  const member = asMemberId(memberId);
  if (w.dm) {
    out.push(
      item(ctx, key, {
        type: 'dm.send',
        memberId: member,
        body,
        ...(w.channelId ? { fallbackChannelId: asChannelId(w.channelId) } : {}),
      }),
    );
  }
  if (w.channelId && (!w.dm || w.alsoInChannel)) {
    out.push(
      item(ctx, w.dm ? `${key}:channel` : key, { type: 'message.send', channelId: asChannelId(w.channelId), body }),
    );
  }
  return out;
}

function onMessage(db: Db, ctx: GuildContext, event: MessageCreated, now: number, items: OutboxItem[]): void {
  const g = ctx.guildId;
  const author = event.authorId;
  const channel = channelInfo(db, g, event.channelId);
  const inThread = channel?.kind === 'thread';
  const threadOwnerId = inThread ? (channel.ownerId ?? null) : null;
  const opensThread = inThread && !hasEarlierMessage(db, g, event.channelId, event.at);
  const repliedAuthorId = event.replyToId ? (messageInfo(db, g, event.replyToId)?.authorId ?? null) : null;
  const kinds = messageKinds({
    authorId: author,
    channelId: event.channelId,
    parentChannelId: inThread && channel.parentId ? channel.parentId : event.channelId,
    threadOwnerId,
    opensThread,
    repliedAuthorId,
    introductionsChannelId: ctx.places.introductions?.channelId ?? null,
  });

  const row = rowFor(db, ctx, author, event.at);
  for (const kind of kinds) row.counters = addCount(row.counters, kind, event.at);
  row.messageCount += 1;
  if (row.firstMessageId === null) {
    row.firstMessageId = event.messageId;
    row.firstMessageChannelId = event.channelId;
    row.firstMessageOpensThread = opensThread;
  }

  // Convener: the first reply to a newcomer's first post (a reply to it, or a reply in the thread it opened).
  for (const newcomerId of new Set([repliedAuthorId, threadOwnerId])) {
    if (newcomerId === null || newcomerId === author) continue;
    const first = firstPostOf(db, g, newcomerId);
    if (!first || first.firstReplyBy !== null || first.firstMessageId === null) continue;
    const answersFirstPost =
      (event.replyToId !== null && event.replyToId === first.firstMessageId) ||
      (first.firstMessageOpensThread && first.firstMessageChannelId === event.channelId);
    if (!answersFirstPost || !markFirstReply(db, g, newcomerId, author)) continue;
    row.counters = addCount(row.counters, 'welcomedNewcomer', event.at);
    break;
  }

  progress(db, ctx, row, event.at, now, items);
  saveJourney(db, row, now);
}

function onReaction(db: Db, ctx: GuildContext, event: ReactionAdded, now: number, items: OutboxItem[]): void {
  const answer = messageInfo(db, ctx.guildId, event.messageId);
  if (!answer || answer.authorId === event.memberId) return;
  // The asker: whoever opened the thread the answer is in, or wrote the message it replies to.
  const channel = channelInfo(db, ctx.guildId, answer.channelId);
  const askers = new Set<string>();
  if (channel?.kind === 'thread' && channel.ownerId) askers.add(channel.ownerId);
  if (answer.replyToId) {
    const question = messageInfo(db, ctx.guildId, answer.replyToId);
    if (question) askers.add(question.authorId);
  }
  if (!askers.has(event.memberId)) return;
  credit(db, ctx, event.messageId, answer.authorId, event.memberId, 'reaction', event.at, now, items);
}

function onAccepted(db: Db, ctx: GuildContext, event: AnswerAccepted, now: number, items: OutboxItem[]): void {
  const answer = messageInfo(db, ctx.guildId, event.messageId!);
  if (!answer) return;
  const owner = channelInfo(db, ctx.guildId, event.threadId)?.ownerId ?? null;
  // Answers others marked: a self-answer or an answer its own author accepted does not count.
  if (answer.authorId === owner || answer.authorId === event.byMemberId) return;
  credit(db, ctx, event.messageId!, answer.authorId, event.byMemberId, 'accepted', event.at, now, items);
}

function credit(
  db: Db,
  ctx: GuildContext,
  messageId: string,
  memberId: string,
  byMemberId: string,
  via: 'reaction' | 'accepted',
  at: number,
  now: number,
  items: OutboxItem[],
): void {
  if (!creditSolved(db, { guildId: ctx.guildId, messageId, memberId, byMemberId, via, at })) return;
  const row = rowFor(db, ctx, memberId, at);
  row.counters = addCount(row.counters, 'solved', at);
  progress(db, ctx, row, at, now, items);
  saveJourney(db, row, now);
}

/**
 * Another feature tells the journey that a member's answer solved a question (the questions feature,
 * when the asker or a moderator picks it with /solved). Counted once per answer, like an accepted
 * answer; a self-answer does not count. Returns the Actions enqueued (a milestone reached).
 */
export function recordAnswerPicked(
  db: Db,
  guildId: GuildId,
  pick: { messageId: string; memberId: MemberId; byMemberId: MemberId; askerId: MemberId; at: number },
  now: number,
): number {
  if (pick.memberId === pick.askerId || pick.memberId === pick.byMemberId) return 0;
  return inTransaction(db, guildId, now, (ctx, items) =>
    credit(db, ctx, pick.messageId, pick.memberId, pick.byMemberId, 'accepted', pick.at, now, items),
  );
}

/**
 * Another feature tells the journey that a member set up a profile (e.g. intros). Counted once.
 * Returns the Actions enqueued.
 */
export function recordProfileSet(db: Db, guildId: GuildId, memberId: MemberId, at: number, now: number): number {
  return inTransaction(db, guildId, now, (ctx, items) => {
    const row = rowFor(db, ctx, memberId, at);
    if ((row.counters.profile?.n ?? 0) > 0) return;
    row.counters = addCount(row.counters, 'profile', at);
    progress(db, ctx, row, at, now, items);
    saveJourney(db, row, now);
  });
}

// ---------------------------------------------------------------------------------------------
// Milestones

/**
 * What the journey knows of the person behind `row`: their own counters, plus those of their linked
 * account on the other platform of a paired community (one person, one journey).
 */
function factsOf(
  db: Db,
  row: Pick<JourneyRow, 'guildId' | 'memberId' | 'joinedAt' | 'counters'>,
  other: Account | null = counterpart(db, row.guildId, row.memberId),
): MemberFacts {
  const own = { joinedAt: row.joinedAt, counters: row.counters };
  if (!other) return own;
  const theirs = getJourney(db, other.guildId, other.memberId);
  return mergeFacts(own, theirs ? { joinedAt: theirs.joinedAt, counters: theirs.counters } : null);
}

/**
 * Evaluate the member at `at`; record any stage reached, with its role and congratulation. A linked
 * member's other account is evaluated on the same facts right after (its own track, roles/groups
 * there), quietly: the person is congratulated once, where the event happened.
 */
function progress(db: Db, ctx: GuildContext, row: JourneyRow, at: number, now: number, items: OutboxItem[]): void {
  const other = counterpart(db, row.guildId, row.memberId);
  const facts = factsOf(db, row, other);
  const evaluation = evaluate(ctx.track, facts, row.stage || null, at);
  advance(db, ctx, row, evaluation, at, now, items);
  // An optional stage passed by (a member who posted before introducing themselves) is still a
  // milestone when its criteria are met later: recorded, with its role, but the stage stays.
  for (let i = 0; i < evaluation.index; i++) {
    const stage = ctx.track.stages[i]!;
    if (!stage.optional || !meets(facts, stage, at)) continue;
    if (!insertMilestone(db, ctx.guildId, row.memberId, stage.id, at)) continue;
    if (stage.roleId && !ctx.track.removePreviousRole) {
      items.push(
        item(ctx, `journey:role:${ctx.guildId}:${row.memberId}:${stage.id}:${stage.roleId}:add`, {
          type: 'role.add',
          memberId: asMemberId(row.memberId),
          roleId: asRoleId(stage.roleId),
          reason: `Journey: reached ${stage.name}`,
        }),
      );
    }
  }
  if (other) {
    // The other account's row is saved here: its caller only saves its own.
    const otherCtx = loadContext(db, other.guildId as GuildId);
    if (!otherCtx) return;
    const otherRow = rowFor(db, otherCtx, other.memberId, at);
    progressMirrored(db, otherCtx, otherRow, row, at, now, items);
    saveJourney(db, otherRow, now);
  }
}

/** Evaluate a linked account on the merged facts (the triggering row as it is now, not as stored). */
function progressMirrored(
  db: Db,
  ctx: GuildContext,
  row: JourneyRow,
  trigger: JourneyRow,
  at: number,
  now: number,
  items: OutboxItem[],
): void {
  const facts = mergeFacts(
    { joinedAt: row.joinedAt, counters: row.counters },
    { joinedAt: trigger.joinedAt, counters: trigger.counters },
  );
  advance(db, ctx, row, evaluate(ctx.track, facts, row.stage || null, at), at, now, items, true);
}

/**
 * Two accounts were just linked: each reaches what the person's merged facts earn on its own track,
 * quietly (roles and groups, no congratulations: nothing new happened to the person).
 */
export function syncJourneys(db: Db, discord: Account, forum: Account, now: number): number {
  return db.transaction(() => {
    const items: OutboxItem[] = [];
    const pairs: [Account, Account][] = [
      [discord, forum],
      [forum, discord],
    ];
    for (const [self, other] of pairs) {
      const ctx = loadContext(db, self.guildId as GuildId);
      const theirs = getJourney(db, other.guildId, other.memberId);
      if (!ctx || !theirs) continue;
      const row = rowFor(db, ctx, self.memberId, now);
      progressMirrored(db, ctx, row, theirs, now, now, items);
      saveJourney(db, row, now);
    }
    return items.length > 0 ? enqueue(db, items, now) : 0;
  });
}

function advance(
  db: Db,
  ctx: GuildContext,
  row: JourneyRow,
  evaluation: Evaluation,
  at: number,
  now: number,
  items: OutboxItem[],
  /** Milestones and roles only, no congratulation (a linked account moved by the other's event). */
  silently = false,
): void {
  if (evaluation.reached.length === 0) return;
  const before = stageIndex(ctx.track, row.stage || null);
  insertMilestones(
    db,
    ctx.guildId,
    row.memberId,
    evaluation.reached.map((s) => s.id),
    at,
  );
  row.stage = evaluation.stage.id;
  row.stageAt = at;
  items.push(...roleItems(ctx, row.memberId, before, evaluation));

  const quiet =
    silently ||
    evaluation.recomputed ||
    evaluation.index === 0 ||
    row.joinedAt === null ||
    now - at > STALE_MS ||
    ctx.journey.silent;
  if (quiet) return;
  const here = coreMember(db, ctx.guildId, row.memberId);
  if (here?.leftAt != null || here?.bot) return;
  if (canContact(row, now)) {
    items.push(congratsItem(db, ctx, row, evaluation.stage, now));
    row.lastContactAt = now;
    row.pendingStage = null;
    row.pendingDueAt = null;
  } else {
    // Merge: one congratulation, for the highest stage, once the hour since the last message is over.
    row.pendingStage = evaluation.stage.id;
    row.pendingDueAt = (row.lastContactAt ?? now) + CONTACT_GAP_MS;
  }
}

/** The role that the stages up to `index` give when only one journey role is held at a time. */
function roleUpTo(track: Track, index: number): string | null {
  for (let i = index; i >= 0; i--) {
    const roleId = track.stages[i]?.roleId;
    if (roleId) return roleId;
  }
  return null;
}

function roleItems(ctx: GuildContext, memberId: string, before: number, evaluation: Evaluation): OutboxItem[] {
  const member = asMemberId(memberId);
  const base = `journey:role:${ctx.guildId}:${memberId}`;
  const reason = `Journey: reached ${evaluation.stage.name}`;
  if (ctx.track.removePreviousRole) {
    const held = roleUpTo(ctx.track, before);
    const target = roleUpTo(ctx.track, evaluation.index);
    if (!target || target === held) return [];
    const out = [
      item(ctx, `${base}:${evaluation.stage.id}:${target}:add`, {
        type: 'role.add',
        memberId: member,
        roleId: asRoleId(target),
        reason,
      }),
    ];
    if (held) {
      out.push(
        item(ctx, `${base}:${evaluation.stage.id}:${held}:remove`, {
          type: 'role.remove',
          memberId: member,
          roleId: asRoleId(held),
          reason,
        }),
      );
    }
    return out;
  }
  return evaluation.reached
    .filter((s) => s.roleId)
    .map((s) =>
      item(ctx, `${base}:${s.id}:${s.roleId}:add`, {
        type: 'role.add',
        memberId: member,
        roleId: asRoleId(s.roleId!),
        reason: `Journey: reached ${s.name}`,
      }),
    );
}

function congratsItem(db: Db, ctx: GuildContext, row: JourneyRow, stage: Stage, now: number): OutboxItem {
  const index = stageIndex(ctx.track, stage.id);
  const next = ctx.track.stages[index + 1] ?? null;
  const body = renderCongrats({
    memberId: row.memberId,
    serverName: ctx.serverName,
    stage,
    next,
    progress: next ? progressOf(factsOf(db, row), next, now) : [],
    places: ctx.places,
  });
  const key = `journey:milestone:${ctx.guildId}:${row.memberId}:${stage.id}`;
  const c = ctx.journey.congratulate;
  if (c.via === 'channel' && c.channelId) {
    return item(ctx, key, { type: 'message.send', channelId: asChannelId(c.channelId), body });
  }
  return item(ctx, key, { type: 'dm.send', memberId: asMemberId(row.memberId), body });
}

// ---------------------------------------------------------------------------------------------
// The periodic sweep

export interface SweepResult {
  welcomed: number;
  evaluated: number;
  advanced: number;
  congratulated: number;
  nudged: number;
  enqueued: number;
}

/**
 * Everything that happens because time passed: welcomes a crash kept from going out, stages whose
 * criteria hold now (time-based criteria, a track a moderator changed), congratulations whose hour
 * is over, and the silent-newcomer nudge. `now` is the scheduler's clock.
 */
export function sweep(db: Db, guildId: GuildId, now: number, options: { full?: boolean } = {}): SweepResult {
  const result: SweepResult = { welcomed: 0, evaluated: 0, advanced: 0, congratulated: 0, nudged: 0, enqueued: 0 };
  const cached = cachedContext(db, guildId);
  if (!cached) return result;
  const ctx = cached.context;

  result.enqueued += db.transaction(() => {
    const items: OutboxItem[] = [];
    for (const join of unwelcomedJoins(db, guildId, now - WELCOME_WINDOW_MS)) {
      const row = rowFor(db, ctx, join.memberId, join.joinedAt);
      row.joinedAt ??= join.joinedAt;
      const before = items.length;
      welcomeIfDue(db, ctx, row, join.joinedAt, now, items);
      if (items.length > before) result.welcomed++;
      progress(db, ctx, row, join.joinedAt, now, items);
      saveJourney(db, row, now);
    }
    return items.length > 0 ? enqueue(db, items, now) : 0;
  });

  // Events move members as they happen, so a full re-evaluation is only needed when time alone can
  // move someone (a time-based criterion), when the track changed, or once per process (a crash
  // between ingest and the journey). A page is read and evaluated in memory; only movers are written.
  const trackText = JSON.stringify(ctx.track);
  const full =
    options.full === true ||
    cached.sweptTrack !== trackText ||
    ctx.track.stages.some((st) => st.criteria.some(isTimeBased));
  const lastStage = ctx.track.stages.at(-1)!.id;
  const linked = linkedAcross(db, guildId);
  let after = '';
  for (; full; ) {
    const page = journeysPage(db, guildId, lastStage, after, SWEEP_PAGE);
    if (page.length === 0) break;
    after = page.at(-1)!.memberId;
    const moved = page.filter((r) => {
      result.evaluated++;
      const other = linked.get(r.memberId);
      const own = { joinedAt: r.joinedAt, counters: r.counters };
      const facts = other === undefined ? own : factsOf(db, { ...r, guildId });
      return evaluate(ctx.track, facts, r.stage || null, now).reached.length > 0;
    });
    if (moved.length === 0) continue;
    result.enqueued += db.transaction(() => {
      const items: OutboxItem[] = [];
      for (const m of moved) {
        const row = getJourney(db, guildId, m.memberId);
        if (!row) continue;
        progress(db, ctx, row, now, now, items);
        saveJourney(db, row, now);
        result.advanced++;
      }
      return items.length > 0 ? enqueue(db, items, now) : 0;
    });
  }

  cached.sweptTrack = trackText;

  result.enqueued += db.transaction(() => {
    const items: OutboxItem[] = [];
    for (const memberId of dueCongratulations(db, guildId, now)) {
      const row = getJourney(db, guildId, memberId);
      if (!row) continue;
      const stage = ctx.track.stages.find((s) => s.id === row.pendingStage);
      const here = coreMember(db, guildId, memberId);
      if (stage && !ctx.journey.silent && here?.leftAt == null && canContact(row, now)) {
        items.push(congratsItem(db, ctx, row, stage, now));
        row.lastContactAt = now;
        result.congratulated++;
      } else if (stage && !ctx.journey.silent && here?.leftAt == null) {
        row.pendingDueAt = (row.lastContactAt ?? now) + CONTACT_GAP_MS;
        saveJourney(db, row, now);
        continue;
      }
      row.pendingStage = null;
      row.pendingDueAt = null;
      saveJourney(db, row, now);
    }
    return items.length > 0 ? enqueue(db, items, now) : 0;
  });

  const nudges = ctx.journey.nudges;
  if (nudges.enabled && !ctx.journey.silent) {
    const silentSince = now - nudges.afterDays * DAY;
    result.enqueued += db.transaction(() => {
      const items: OutboxItem[] = [];
      let invitation: Invitation | null | undefined;
      for (const memberId of silentNewcomers(db, guildId, silentSince - NUDGE_WINDOW_MS, silentSince)) {
        const row = rowFor(db, ctx, memberId, now);
        if (row.stage === '') progress(db, ctx, row, now, now, items);
        if (!canContact(row, now) || row.nudgedStage === row.stage) continue;
        invitation ??= pickInvitation(db, ctx, now);
        if (!invitation) break;
        items.push(
          item(ctx, `journey:nudge:${guildId}:${memberId}:${row.stage}`, {
            type: 'dm.send',
            memberId: asMemberId(memberId),
            body: renderNudge(memberId, ctx.serverName, invitation),
          }),
        );
        row.nudgedStage = row.stage;
        row.nudgedAt = now;
        row.lastContactAt = now;
        saveJourney(db, row, now);
        result.nudged++;
      }
      return items.length > 0 ? enqueue(db, items, now) : 0;
    });
  }
  return result;
}

/** A concrete invitation from the live community: an open question, the busiest thread, introductions. */
function pickInvitation(db: Db, ctx: GuildContext, now: number): Invitation | null {
  const question = openQuestion(db, ctx.guildId, now - 14 * DAY);
  if (question) return { kind: 'openQuestion', thread: question };
  const busiest = busiestThread(db, ctx.guildId, now - 7 * DAY);
  if (busiest && busiest.messages >= 3) {
    return {
      kind: 'busiestThread',
      thread: { channelId: busiest.channelId, name: busiest.name },
      messages: busiest.messages,
    };
  }
  if (ctx.places.introductions) return { kind: 'introductions', channel: ctx.places.introductions };
  const topic = topicChannels(db, ctx.guildId, now - TOPIC_WINDOW_MS, 1)[0];
  return topic ? { kind: 'channel', channel: { channelId: topic.channelId, name: topic.name } } : null;
}

// ---------------------------------------------------------------------------------------------
// Funnel

export interface FunnelStage {
  stage: string;
  name: string;
  /** Members who reached the stage in [from, to). */
  members: number;
  /** Median time from joining to reaching it (ms), over those with a known join; null if none. */
  medianMs: number | null;
}

/** Per stage of the guild's track: how many members reached it in [from, to), and the median time to it. */
export function funnel(db: Db, guildId: GuildId, from: number, to: number): FunnelStage[] {
  const track = getSettings(db, guildId).journey.track;
  const byStage = new Map<string, number[]>();
  const counts = new Map<string, number>();
  for (const m of milestonesBetween(db, guildId, from, to)) {
    counts.set(m.stage, (counts.get(m.stage) ?? 0) + 1);
    if (m.joinedAt === null) continue;
    const list = byStage.get(m.stage) ?? [];
    list.push(Math.max(0, m.reachedAt - m.joinedAt));
    byStage.set(m.stage, list);
  }
  return track.stages.map((s) => ({
    stage: s.id,
    name: s.name,
    members: counts.get(s.id) ?? 0,
    medianMs: median(byStage.get(s.id) ?? []),
  }));
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// What commands need

/** Where a member stands, for /journey (read-only). `self`: the member asked about themselves. */
export function journeyView(db: Db, guildId: GuildId, memberId: MemberId, self: boolean, now: number): JourneyView {
  const aboutName = self ? null : (coreMember(db, guildId, memberId)?.displayName ?? 'This member');
  const ctx = loadContext(db, guildId);
  const track = ctx?.track ?? getSettings(db, guildId).journey.track;
  const row = getJourney(db, guildId, memberId);
  const facts = row ? factsOf(db, row) : { joinedAt: null, counters: {} };
  const index = Math.max(0, stageIndex(track, row?.stage || null));
  const next = track.stages[index + 1] ?? null;
  return {
    serverName: ctx?.serverName ?? guildId,
    aboutName,
    track,
    index,
    stageAt: row?.stageAt ?? null,
    next,
    progress: next ? progressOf(facts, next, now) : [],
    places: ctx?.places ?? { introductions: null },
  };
}

export function trackView(db: Db, guildId: GuildId): TrackView {
  const ctx = loadContext(db, guildId);
  const journey = ctx?.journey ?? getSettings(db, guildId).journey;
  return {
    track: journey.track,
    silent: journey.silent,
    congratulateVia: journey.congratulate.via,
    congratulateChannelId: journey.congratulate.channelId,
    counts: stageCounts(db, guildId),
    places: ctx?.places ?? { introductions: null },
  };
}

/**
 * Give `stageId` a role (null: none), audited, and give it to the members already at that stage.
 * Returns the stage and how many members were queued for the role.
 */
export function setStageRole(
  db: Db,
  guildId: GuildId,
  actorId: MemberId,
  stageId: string,
  roleId: string | null,
  now: number,
): { stage: Stage; backfilled: number } {
  return db.transaction(() => {
    const current = getSettings(db, guildId);
    const stage = current.journey.track.stages.find((s) => s.id === stageId);
    if (!stage) {
      const ids = current.journey.track.stages.map((s) => `\`${s.id}\``).join(', ');
      throw new UserFacingError(`There is no stage "${safeText(stageId, 32)}". The stages are ${ids}.`);
    }
    const saved = updateSettings(
      db,
      guildId,
      actorId,
      'journey.set-role',
      (s) => ({
        ...s,
        journey: {
          ...s.journey,
          track: {
            ...s.journey.track,
            stages: s.journey.track.stages.map((x) => (x.id === stageId ? { ...x, roleId } : x)),
          },
        },
      }),
      now,
    );
    const updated = saved.journey.track.stages.find((s) => s.id === stageId)!;
    if (!roleId) return { stage: updated, backfilled: 0 };
    const ctx = loadContext(db, guildId);
    if (!ctx) return { stage: updated, backfilled: 0 };
    const items = membersAtStage(db, guildId, stageId).map((memberId) =>
      item(ctx, `journey:role:${guildId}:${memberId}:${stageId}:${roleId}:add`, {
        type: 'role.add',
        memberId: asMemberId(memberId),
        roleId: asRoleId(roleId),
        reason: `Journey: ${updated.name} role`,
      }),
    );
    enqueue(db, items, now);
    return { stage: updated, backfilled: items.length };
  });
}

export function setSilent(db: Db, guildId: GuildId, actorId: MemberId, silent: boolean, now: number): void {
  updateSettings(db, guildId, actorId, 'journey.silent', (s) => ({ ...s, journey: { ...s.journey, silent } }), now);
}

export interface WelcomeChange {
  enabled?: boolean;
  channelId?: string | null;
  dm?: boolean;
  alsoInChannel?: boolean;
  /** '' resets to the default text. */
  text?: string;
}

export function setWelcome(
  db: Db,
  guildId: GuildId,
  actorId: MemberId,
  change: WelcomeChange,
  now: number,
): JourneySettings['welcome'] {
  const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  const saved = updateSettings(
    db,
    guildId,
    actorId,
    'journey.welcome.set',
    (s) => ({ ...s, journey: { ...s.journey, welcome: { ...s.journey.welcome, ...defined } } }),
    now,
  );
  return saved.journey.welcome;
}

/**
 * The welcome a newcomer would get, sent to `memberId` by DM as a preview (not counted as their
 * welcome). Returns the body, to show it in the reply as well.
 */
export function sendWelcomePreview(db: Db, guildId: GuildId, memberId: MemberId, now: number): MessageBody {
  return db.transaction(() => {
    const ctx = loadContext(db, guildId);
    if (!ctx) throw new UserFacingError('This server is not set up yet — try again in a minute.');
    const body = welcomeBody(ctx, memberId, welcomeTopics(db, ctx, now));
    enqueue(db, [item(ctx, `welcome-test:${guildId}:${memberId}:${now}`, { type: 'dm.send', memberId, body })], now);
    return body;
  });
}
