/**
 * Linking a Discord member with their Discourse account: /link discourse sends a one-time code by
 * Discourse private message; /link confirm checks it; /link remove splits the accounts again.
 */

import { eq } from 'drizzle-orm';
import type { OutboxItem } from '../../actions.js';
import { type Deps, databaseOf, UserFacingError } from '../../commands.js';
import { type Database, transaction } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import { asGuildId, asMemberId } from '../../events.js';
import { forumHost, guildIdFor, isForumGuild } from '../../forumIds.js';
import { enqueueOn } from '../../outbox/store.js';
import { safeText } from '../../text/fit.js';
import type { DeclaredProfile } from '../intros/profile.js';
import { readMemberTimezone, readProfileRow, setDeclared, writeMemberTimezone } from '../intros/profileStore.js';
import { syncJourneys } from '../journey/service.js';
import { mergeExpertise } from '../questions/service.js';
import { CODE_TTL_MS, codeMatches, hashCode, newCode } from './code.js';
import { forumOfGuild } from './forumStore.js';
import { type Account, lockPairing, pairCommunity, pairOf, readPairedGuild, unpairCommunity } from './identity.js';
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
export async function requestLink(deps: Deps, req: LinkRequest, now: number, code = newCode()): Promise<string> {
  const db = databaseOf(deps);
  const otherGuildId = await linkableForum(deps, db, req.guildId);
  const user = await forumMemberByUsername(db, otherGuildId, req.username.replace(/^@/, ''));
  if (!user) {
    throw new UserFacingError(
      `I haven't seen "${req.username}" on the forum yet. Check the spelling, or post there once and try again.`,
    );
  }
  const holder = await linkedToForumUser(db, otherGuildId, user.memberId);
  if (holder && !(holder.guildId === req.guildId && holder.memberId === req.memberId)) {
    throw new UserFacingError(`@${user.username} is already linked to another Discord account.`);
  }
  const target = { otherGuildId, otherMemberId: user.memberId };
  const limit = requestLimit(await linkTally(db, req, target, now - DAY_MS), now);
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
  await transaction(db, async (tx) => {
    await savePending(
      tx,
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
    await recordLinkAttempt(
      tx,
      'request',
      { guildId: req.guildId, memberId: req.memberId, ...target },
      now,
      now - DAY_MS,
    );
    await enqueueOn(tx, [item], now);
  });
  deps.wakeOutbox();
  return user.username;
}

/**
 * The forum this server's members link to: the one it is paired with, when that forum is still known
 * to Convene (the environment's forum, or the one this server connected by command).
 */
async function linkableForum(deps: Deps, db: Database, guildId: string): Promise<string> {
  const configured = deps.config.discourse ? guildIdFor(deps.config.discourse.url) : null;
  const stored = (await forumOfGuild(db, guildId))?.forumGuildId ?? null;
  if (!configured && !stored) throw new UserFacingError('This community has no Discourse forum connected to Convene.');
  const paired = await readPairedGuild(db, guildId);
  if (!paired || (paired !== configured && paired !== stored)) {
    throw new UserFacingError(
      'This server is not connected to the forum yet: a moderator can connect it with /convene forum connect.',
    );
  }
  return paired;
}

/** Finish a link with the code from the PM. Returns the forum member id now linked. */
export async function confirmLink(
  deps: Deps,
  guildId: string,
  memberId: string,
  code: string,
  now: number,
): Promise<string> {
  const db = databaseOf(deps);
  const row = await linkOf(db, guildId, memberId);
  if (!row || row.linkedAt !== null || !row.codeHash) {
    throw new UserFacingError('There is no link waiting for a code. Start with /link discourse username:');
  }
  const account = { guildId, memberId, otherGuildId: row.otherGuildId, otherMemberId: row.otherMemberId };
  const username = await forumUsername(db, row.otherGuildId, row.otherMemberId);
  const tally = await linkTally(db, account, account, now - DAY_MS);
  const left = wrongCodesLeft(tally, now);
  if (left === 0) {
    await transaction(db, (tx) => deleteLink(tx, guildId, memberId));
    throw new UserFacingError(limitWords(requestLimit(tally, now)!, username, now));
  }
  if (row.codeExpiresAt === null || now > row.codeExpiresAt) {
    await transaction(db, (tx) => deleteLink(tx, guildId, memberId));
    throw new UserFacingError('That code has expired. Ask for a new one with /link discourse username:');
  }
  if (!codeMatches(code, row.codeHash)) {
    await transaction(db, async (tx) => {
      await recordLinkAttempt(tx, 'wrong_code', account, now, now - DAY_MS);
      if (left === 1) await deleteLink(tx, guildId, memberId);
    });
    throw new UserFacingError(
      left === 1
        ? `That code does not match, and it was the ${WRONG_CODES_PER_DAY}th wrong code for @${username} today: linking to that account is locked for ${waitWords(now + DAY_MS, now)}, so nobody can guess a code. The code already sent no longer works.`
        : `That code does not match. Check the private message on the forum and try again (${left - 1} ${left - 1 === 1 ? 'try' : 'tries'} left today).`,
    );
  }
  await transaction(db, async (tx) => {
    await markLinked(tx, guildId, memberId, now);
    await onLinked(tx, { guildId, memberId }, { guildId: row.otherGuildId, memberId: row.otherMemberId }, now);
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
export async function removeLink(deps: Deps, guildId: string, memberId: string): Promise<boolean> {
  const db = databaseOf(deps);
  const discord = isForumGuild(guildId)
    ? await linkedToForumUser(db, guildId, memberId)
    : await linkOf(db, guildId, memberId);
  if (!discord) return false;
  // The merged indexes of both guilds are dropped through the link's cache mark (store.ts deleteLink).
  return transaction(db, (tx) => deleteLink(tx, discord.guildId, discord.memberId));
}

// ---------------------------------------------------------------------------------------------
// The community pair

/** Pair this Discord guild with the configured forum (moderators). Returns the forum's guild id. */
export async function connectForum(deps: Deps, guildId: string, actorId: string, now: number): Promise<string> {
  const forum = deps.config.discourse;
  if (!forum) throw new UserFacingError('No Discourse forum is configured for Convene (DISCOURSE_URL is not set).');
  if (isForumGuild(guildId)) throw new UserFacingError('Run /convene forum connect on Discord.');
  const forumId = guildIdFor(forum.url);
  const db = databaseOf(deps);
  const before = await pairOf(db, guildId);
  const connect = () =>
    transaction(db, async (tx) => {
      await lockPairing(tx, guildId, forumId);
      // One forum, one server: only the server holding the pair may end it (then another may connect).
      // Read inside the transaction so two servers connecting at once cannot both pass (SQLite: one
      // writer; PostgreSQL: the second breaks the unique forum of community_pairs, and looks again).
      const holder = await pairOf(tx, forumId);
      if (holder && holder.guildId !== guildId) throw await heldElsewhere(tx, forumId, holder.guildId);
      await pairCommunity(tx, { guildId, forumGuildId: forumId, pairedBy: actorId, pairedAt: now });
      await audit(tx, guildId, actorId, 'forum.connect', before, { forum: forumId }, now);
    });
  try {
    await connect();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const holder = await pairOf(db, forumId);
    if (holder && holder.guildId !== guildId) throw await heldElsewhere(db, forumId, holder.guildId);
    throw error;
  }
  return forumId;
}

/** Undo the pair. Links stay stored (a reconnect restores them) but no longer merge anyone. */
export async function disconnectForum(deps: Deps, guildId: string, actorId: string, now: number): Promise<boolean> {
  const db = databaseOf(deps);
  const before = await pairOf(db, guildId);
  if (!before || before.guildId !== guildId) return false;
  await transaction(db, async (tx) => {
    await unpairCommunity(tx, guildId);
    await audit(tx, guildId, actorId, 'forum.disconnect', before, null, now);
  });
  return true;
}

export async function heldElsewhere(db: Database, forumId: string, holderId: string): Promise<UserFacingError> {
  const name = await guildNameOf(db, holderId);
  return new UserFacingError(
    [
      `The forum (${forumHost(forumId)}) is already connected to another Discord server${name ? `, **${safeText(name, 100)}**` : ''}.`,
      'One forum belongs to one server at a time: ask a moderator of that server to run `/convene forum disconnect` there, then connect it here.',
    ].join('\n'),
  );
}

async function guildNameOf(db: Database, guildId: string): Promise<string | null> {
  const { guilds } = db.tables;
  const [row] = await db.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, guildId)).limit(1);
  return row?.name ?? null;
}

/** One audit row for a moderator's change (before and after, as stored). */
export async function audit(
  tx: Database,
  guildId: string,
  actorId: string,
  action: string,
  before: unknown,
  after: unknown,
  now: number,
): Promise<void> {
  const { auditLog } = tx.tables;
  await tx.insert(auditLog).values({ guildId, actorId, action, before, after, at: now });
}

/**
 * A new link: one journey (both accounts reach the higher stage), one expertise record, and one
 * profile (a declared profile or timezone on one side fills the other when it has none).
 * All in the link's transaction.
 */
async function onLinked(tx: Database, discord: Account, forum: Account, now: number): Promise<void> {
  await syncJourneys(tx, discord, forum, now);
  mergeExpertise(tx, discord, forum, now);
  await shareProfile(tx, discord, forum, now);
}

async function shareProfile(tx: Database, a: Account, b: Account, now: number): Promise<void> {
  const declaredOf = async (x: Account) =>
    (await readProfileRow(tx, asGuildId(x.guildId), x.memberId))?.declared ?? null;
  const said = (d: DeclaredProfile | null) => !!d && (d.interests.length > 0 || d.about !== '' || d.timezone !== null);
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const theirs = await declaredOf(from);
    if (said(theirs) && !said(await declaredOf(to)))
      await setDeclared(tx, asGuildId(to.guildId), asMemberId(to.memberId), theirs!, now);
    const zone = await readMemberTimezone(tx, from.guildId, from.memberId);
    if (zone !== null && (await readMemberTimezone(tx, to.guildId, to.memberId)) === null)
      await writeMemberTimezone(tx, to.guildId, to.memberId, zone, now);
  }
}
