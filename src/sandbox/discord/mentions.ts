/**
 * Who a message actually pings, decided as Discord decides it: mentions are parsed from the content,
 * `allowed_mentions` can only narrow that set (never add to it), @everyone/@here needs "everyone" in
 * `parse` AND the MENTION_EVERYONE permission, a role needs to be mentionable or the same permission,
 * and a reply pings the replied-to author unless allowed_mentions says otherwise.
 */
import type { Pinged } from './model.js';

export interface MentionContext {
  content: string;
  allowedMentions: unknown;
  /** MENTION_EVERYONE in the channel (always false in DMs). */
  canMentionEveryone: boolean;
  isKnownUser: (id: string) => boolean;
  /** undefined for DMs (no roles there) */
  isMentionableRole?: (id: string) => boolean;
  isGuildRole?: (id: string) => boolean;
  /** Author of the message being replied to, if this is a reply by someone else. */
  repliedUserId?: string;
}

const USER_MENTION = /<@!?(\d{15,21})>/g;
const ROLE_MENTION = /<@&(\d{15,21})>/g;
const EVERYONE = /@(everyone|here)\b/;

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

export function parseMentions(content: string): { users: string[]; roles: string[]; everyone: boolean } {
  return {
    users: unique([...content.matchAll(USER_MENTION)].map((m) => m[1]!)),
    roles: unique([...content.matchAll(ROLE_MENTION)].map((m) => m[1]!)),
    everyone: EVERYONE.test(content),
  };
}

export function resolvePings(ctx: MentionContext): Pinged {
  const parsed = parseMentions(ctx.content);
  const am = ctx.allowedMentions as
    | { parse?: string[]; users?: string[]; roles?: string[]; replied_user?: boolean }
    | undefined
    | null;
  const given = am !== undefined && am !== null;
  const parse = given ? (am.parse ?? []) : ['users', 'roles', 'everyone'];

  let users = parsed.users.filter(ctx.isKnownUser);
  if (given && !parse.includes('users')) users = users.filter((id) => am.users?.includes(id));

  let roles = ctx.isGuildRole ? parsed.roles.filter(ctx.isGuildRole) : [];
  if (given && !parse.includes('roles')) roles = roles.filter((id) => am.roles?.includes(id));
  roles = roles.filter((id) => ctx.canMentionEveryone || (ctx.isMentionableRole?.(id) ?? false));

  const everyone = parsed.everyone && parse.includes('everyone') && ctx.canMentionEveryone;

  // Discord: a reply pings its target by default; with allowed_mentions given, only if replied_user.
  const pingReplied = given ? am.replied_user === true : true;
  if (ctx.repliedUserId && pingReplied && !users.includes(ctx.repliedUserId)) users = [...users, ctx.repliedUserId];

  return { everyone, users, roles };
}
