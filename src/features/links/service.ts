/**
 * Linking a Discord member with their Discourse account: /link discourse sends a one-time code by
 * Discourse private message; /link confirm checks it; /link remove splits the accounts again.
 */
import type { OutboxItem } from '../../actions.js';
import { type Deps, UserFacingError } from '../../commands.js';
import { asGuildId, asMemberId } from '../../events.js';
import { enqueue } from '../../outbox/store.js';
import { CODE_TTL_MS, codeMatches, forumGuildId, hashCode, MAX_ATTEMPTS, newCode } from './code.js';
import {
  countWrongCode,
  deleteLink,
  forumMemberByUsername,
  linkedToForumUser,
  linkOf,
  markLinked,
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
  const forum = deps.config.discourse;
  if (!forum) throw new UserFacingError('This community has no Discourse forum connected to Convene.');
  const otherGuildId = forumGuildId(forum.url);
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
          `If that was you, run \`/link confirm code:${code}\` on Discord within 15 minutes.`,
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
    enqueue(deps.db, [item], now);
  });
  deps.wakeOutbox();
  return user.username;
}

/** Finish a link with the code from the PM. Returns the forum member id now linked. */
export function confirmLink(deps: Deps, guildId: string, memberId: string, code: string, now: number): string {
  const row = linkOf(deps.db, guildId, memberId);
  if (!row || row.linkedAt !== null || !row.codeHash) {
    throw new UserFacingError('There is no link waiting for a code. Start with /link discourse username:');
  }
  if (row.codeExpiresAt === null || now > row.codeExpiresAt || row.attempts >= MAX_ATTEMPTS) {
    deleteLink(deps.db, guildId, memberId);
    throw new UserFacingError('That code has expired. Ask for a new one with /link discourse username:');
  }
  if (!codeMatches(code, row.codeHash)) {
    countWrongCode(deps.db, guildId, memberId);
    throw new UserFacingError('That code does not match. Check the private message on the forum and try again.');
  }
  markLinked(deps.db, guildId, memberId, now);
  return row.otherMemberId;
}

/** Split the accounts again. False when there was nothing to remove. */
export function removeLink(deps: Deps, guildId: string, memberId: string): boolean {
  return deleteLink(deps.db, guildId, memberId);
}
