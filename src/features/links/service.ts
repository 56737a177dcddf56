/**
 * Linking a Discord member with their Discourse account: /link discourse sends a one-time code by
 * Discourse private message; /link confirm checks it; /link remove splits the accounts again.
 */

import { eq } from 'drizzle-orm';
import type { OutboxItem } from '../../actions.js';
import { type Deps, UserFacingError } from '../../commands.js';
import { auditLog, guilds } from '../../db/schema.js';
import { asGuildId, asMemberId } from '../../events.js';
import { forumHost, guildIdFor, isForumGuild } from '../../forumIds.js';
import { enqueue } from '../../outbox/store.js';
import { safeText } from '../../text/fit.js';
import type { DeclaredProfile } from '../intros/profile.js';
import { setProfile } from '../intros/service.js';
import { memberTimezone, profileRow, setMemberTimezone } from '../intros/store.js';
import { syncJourneysSync } from '../journey/service.js';
import { forgetExpertise, mergeExpertise } from '../questions/service.js';
import { CODE_TTL_MS, codeMatches, hashCode, newCode } from './code.js';
import { forumOfGuild } from './forumStore.js';
import { type Account, pairedGuild, pairGuilds, pairOf, unpairGuild } from './identity.js';
import {
  DAY_MS,
  type LinkLimit,
  REQUESTS_PER_DAY,
  requestLimit,
  WRONG_CODES_PER_DAY,
  waitWords,
  wrongCodesLeft,
} from './limits.js';
import {
  deleteLink,
  forumMemberByUsername,
  forumUsername,
  linkedToForumUser,
  linkOf,
  linkTally,
  markLinked,
  recordLinkAttempt,
  savePending,
} from './store.js';

export interface LinkRequest {
  guildId: string;
  memberId: string;
  displayName: string;
  username: string;
}

/** Start a link: store a pending request and queue the code as a Discourse PM. Returns the forum username. */
export function requestLink(deps: Deps, req: LinkRequest, now: number, code = newCode()): string {
  const otherGuildId = linkableForum(deps, req.guildId);
  const user = forumMemberByUsername(deps.db, otherGuildId, req.username.replace(/^@/, ''));
  if (!user) {
    throw new UserFacingError(
      `I haven't seen "${req.username}" on the forum yet. Check the spelling, or post there once and try again.`,
    );
  }
  const holder = linkedToForumUser(deps.db, otherGuildId, user.memberId);
  if (holder && !(holder.guildId === req.guildId && holder.memberId === req.memberId)) {
    throw new UserFacingError(`@${user.username} is already linked to another Discord account.`);
  }
  const target = { otherGuildId, otherMemberId: user.memberId };
  const limit = requestLimit(linkTally(deps.db, req, target, now - DAY_MS), now);
  if (limit) throw new UserFacingError(limitWords(limit, user.username, now));
  const item: OutboxItem = {
    platform: 'discourse',
    guildId: asGuildId(otherGuildId),
    key: `link:${req.guildId}:${req.memberId}:${now}`,
    action: {
      type: 'dm.send',
      memberId: asMemberId(user.memberId),
      body: {
        content: [
          `Someone asked to link this forum account with **${req.displayName.replace(/@/g, '@\u200D')}** on Discord.`,
          `If that was you, run \`\`/link confirm code:${code}\`\` on Discord within 15 minutes.`,
          'If it was not you, ignore this message: nothing changes.',
        ].join('\n'),
      },
    },
  };
  deps.db.transaction(() => {
    savePending(
      deps.db,
      {
        guildId: req.guildId,
        memberId: req.memberId,
        otherGuildId,
        otherMemberId: user.memberId,
        codeHash: hashCode(code),
        codeExpiresAt: now + CODE_TTL_MS,
      },
      now,
    );
    recordLinkAttempt(
      deps.db,
      'request',
      { guildId: req.guildId, memberId: req.memberId, ...target },
      now,
      now - DAY_MS,
    );
    enqueue(deps.db, [item], now);
  });
  deps.wakeOutbox();
  return user.username;
}

/**
 * The forum this server's members link to: the one it is paired with, when that forum is still known
 * to Convene (the environment's forum, or the one this server connected by command).
 */
function linkableForum(deps: Deps, guildId: string): string {
  const configured = deps.config.discourse ? guildIdFor(deps.config.discourse.url) : null;
  const stored = forumOfGuild(deps.db, guildId)?.forumGuildId ?? null;
  if (!configured && !stored) throw new UserFacingError('This community has no Discourse forum connected to Convene.');
  const paired = pairedGuild(deps.db, guildId);
  if (!paired || (paired !== configured && paired !== stored)) {
    throw new UserFacingError(
      'This server is not connected to the forum yet: a moderator can connect it with /convene forum connect.',
    );
  }
  return paired;
}

/** Finish a link with the code from the PM. Returns the forum member id now linked. */
export function confirmLink(deps: Deps, guildId: string, memberId: string, code: string, now: number): string {
  const row = linkOf(deps.db, guildId, memberId);
  if (!row || row.linkedAt !== null || !row.codeHash) {
    throw new UserFacingError('There is no link waiting for a code. Start with /link discourse username:');
  }
  const account = { guildId, memberId, otherGuildId: row.otherGuildId, otherMemberId: row.otherMemberId };
  const username = forumUsername(deps.db, row.otherGuildId, row.otherMemberId);
  const tally = linkTally(deps.db, account, account, now - DAY_MS);
  const left = wrongCodesLeft(tally, now);
  if (left === 0) {
    deleteLink(deps.db, guildId, memberId);
    throw new UserFacingError(limitWords(requestLimit(tally, now)!, username, now));
  }
  if (row.codeExpiresAt === null || now > row.codeExpiresAt) {
    deleteLink(deps.db, guildId, memberId);
    throw new UserFacingError('That code has expired. Ask for a new one with /link discourse username:');
  }
  if (!codeMatches(code, row.codeHash)) {
    deps.db.transaction(() => {
      recordLinkAttempt(deps.db, 'wrong_code', account, now, now - DAY_MS);
      if (left === 1) deleteLink(deps.db, guildId, memberId);
    });
    throw new UserFacingError(
      left === 1
        ? `That code does not match, and it was the ${WRONG_CODES_PER_DAY}th wrong code for @${username} today: linking to that account is locked for ${waitWords(now + DAY_MS, now)}, so nobody can guess a code. The code already sent no longer works.`
        : `That code does not match. Check the private message on the forum and try again (${left - 1} ${left - 1 === 1 ? 'try' : 'tries'} left today).`,
    );
  }
  deps.db.transaction(() => {
    markLinked(deps.db, guildId, memberId, now);
    onLinked(deps.db, { guildId, memberId }, { guildId: row.otherGuildId, memberId: row.otherMemberId }, now);
  });
  deps.wakeOutbox();
  return row.otherMemberId;
}

/** What a member is told when a limit stops a link request or a code (limits.ts). */
function limitWords(limit: LinkLimit, username: string, now: number): string {
  const wait = waitWords(limit.retryAt, now);
  switch (limit.kind) {
    case 'requester':
      return `You have asked for ${REQUESTS_PER_DAY} link codes in the last 24 hours, the most for one day. You can ask again in ${wait}; the last code I sent you works for 15 minutes after it was sent.`;
    case 'target':
      return `@${username} has been sent ${REQUESTS_PER_DAY} link codes in the last 24 hours, the most one forum account gets in a day. You can ask again in ${wait}.`;
    case 'locked':
      return `Linking to @${username} is locked for ${wait}: too many wrong codes were tried for that account today, so nobody can guess one. Ask for a new code after that.`;
  }
}

/**
 * Split the accounts again, from either side (/link remove on Discord, "@convene link remove" on the
 * forum). False when there was nothing to remove. What each account did stays with it.
 */
export function removeLink(deps: Deps, guildId: string, memberId: string): boolean {
  const discord = isForumGuild(guildId)
    ? linkedToForumUser(deps.db, guildId, memberId)
    : linkOf(deps.db, guildId, memberId);
  if (!discord) return false;
  const removed = deleteLink(deps.db, discord.guildId, discord.memberId);
  if (removed) onUnlinked(deps.db, [discord.guildId, discord.otherGuildId]);
  return removed;
}

// ---------------------------------------------------------------------------------------------
// The community pair

/** Pair this Discord guild with the configured forum (moderators). Returns the forum's guild id. */
export function connectForum(deps: Deps, guildId: string, actorId: string, now: number): string {
  const forum = deps.config.discourse;
  if (!forum) throw new UserFacingError('No Discourse forum is configured for Convene (DISCOURSE_URL is not set).');
  if (isForumGuild(guildId)) throw new UserFacingError('Run /convene forum connect on Discord.');
  const forumId = guildIdFor(forum.url);
  const before = pairOf(deps.db, guildId);
  deps.db.transaction(() => {
    // One forum, one server: only the server holding the pair may end it (then another may connect).
    // Read inside the transaction so two servers connecting at once cannot both pass.
    const holder = pairOf(deps.db, forumId);
    if (holder && holder.guildId !== guildId) throw heldElsewhere(deps, forumId, holder.guildId);
    pairGuilds(deps.db, { guildId, forumGuildId: forumId, pairedBy: actorId, pairedAt: now });
    audit(deps, guildId, actorId, 'forum.connect', before, { forum: forumId }, now);
  });
  onUnlinked(deps.db, [guildId, forumId]);
  return forumId;
}

/** Undo the pair. Links stay stored (a reconnect restores them) but no longer merge anyone. */
export function disconnectForum(deps: Deps, guildId: string, actorId: string, now: number): boolean {
  const before = pairOf(deps.db, guildId);
  if (!before || before.guildId !== guildId) return false;
  deps.db.transaction(() => {
    unpairGuild(deps.db, guildId);
    audit(deps, guildId, actorId, 'forum.disconnect', before, null, now);
  });
  onUnlinked(deps.db, [guildId, before.forumGuildId]);
  return true;
}

export function heldElsewhere(deps: Deps, forumId: string, holderId: string): UserFacingError {
  const name = guildNameOf(deps.db, holderId);
  return new UserFacingError(
    [
      `The forum (${forumHost(forumId)}) is already connected to another Discord server${name ? `, **${safeText(name, 100)}**` : ''}.`,
      'One forum belongs to one server at a time: ask a moderator of that server to run `/convene forum disconnect` there, then connect it here.',
    ].join('\n'),
  );
}

function guildNameOf(db: Deps['db'], guildId: string): string | null {
  return db.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, guildId)).get()?.name ?? null;
}

/** One audit row for a moderator's change (before and after, as stored). */
export function audit(
  deps: Deps,
  guildId: string,
  actorId: string,
  action: string,
  before: unknown,
  after: unknown,
  now: number,
) {
  deps.db.insert(auditLog).values({ guildId, actorId, action, before, after, at: now }).run();
}

/**
 * A new link: one journey (both accounts reach the higher stage), one expertise record, and one
 * profile (a declared profile or timezone on one side fills the other when it has none).
 */
function onLinked(db: Deps['db'], discord: Account, forum: Account, now: number): void {
  syncJourneysSync(db, discord, forum, now);
  mergeExpertise(db, discord, forum, now);
  shareProfile(db, discord, forum, now);
}

function shareProfile(db: Deps['db'], a: Account, b: Account, now: number): void {
  const declaredOf = (x: Account) => profileRow(db, asGuildId(x.guildId), x.memberId)?.declared ?? null;
  const said = (d: DeclaredProfile | null) => !!d && (d.interests.length > 0 || d.about !== '' || d.timezone !== null);
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const theirs = declaredOf(from);
    if (said(theirs) && !said(declaredOf(to)))
      setProfile(db, asGuildId(to.guildId), asMemberId(to.memberId), theirs!, now);
    const zone = memberTimezone(db, from.guildId, from.memberId);
    if (zone !== null && memberTimezone(db, to.guildId, to.memberId) === null)
      setMemberTimezone(db, to.guildId, to.memberId, zone, now);
  }
}

/** A split (or a changed pair): the merged indexes are rebuilt from the tables on next use. */
export function onUnlinked(db: Deps['db'], guildIds: readonly string[]): void {
  for (const g of guildIds) forgetExpertise(db, g);
}
