/**
 * What a reader sees of a message, judged by the platforms' own markdown: Discord's (discord-markdown-
 * parser, the simple-markdown rules Discord's client uses) on the JSON our Discord renderer sends, and
 * Discourse's (markdown-it, in the emulator's cook) on the markdown our Discourse renderer posts.
 * A "leak" is something member text turned into more than text.
 */
import { parse } from 'discord-markdown-parser';
import type { MessageBody } from '../../src/actions.js';
import { messageJson, threadName } from '../../src/platforms/discord/render.js';
import { type RenderContext, renderBody, titleFor } from '../../src/platforms/discourse/render.js';
import { resolvePings } from '../../src/sandbox/discord/mentions.js';
import { cook } from '../../src/sandbox/discourse/cook.js';
import { DISCOURSE_LIMITS, hasBidiControl, LIMITS } from '../../src/text/fit.js';

export type LeakKind = 'mention' | 'ping' | 'link' | 'bidi' | 'limit';
export interface Leak {
  kind: LeakKind;
  platform: 'discord' | 'discourse';
  where: string;
  detail: string;
}

type ASTNode = ReturnType<typeof parse>[number];

/** Ids and names that only member text carries: the bot never mentions them on its own. */
export const FOREIGN = {
  userId: '666666666666666666',
  roleId: '777777777777777777',
  channelId: '888888888888888888',
  host: 'evil.example',
} as const;

function walk(nodes: ASTNode[] | ASTNode | string | undefined, visit: (node: ASTNode) => void): void {
  if (!nodes || typeof nodes === 'string') return;
  for (const node of Array.isArray(nodes) ? nodes : [nodes]) {
    visit(node);
    walk(node.content as ASTNode[] | undefined, visit);
  }
}

/** Discord: what a reader sees as a mention or a masked link in one text field. */
function discordMarkup(text: string, where: string, memberIds: ReadonlySet<string>, roleIds: ReadonlySet<string>) {
  const leaks: Leak[] = [];
  const leak = (kind: LeakKind, detail: string) => leaks.push({ kind, platform: 'discord', where, detail });
  walk(parse(text, 'extended'), (node) => {
    if (node.type === 'user' && !memberIds.has(node.id as string)) leak('mention', `<@${node.id}>`);
    if (node.type === 'role' && !roleIds.has(node.id as string)) leak('mention', `<@&${node.id}>`);
    if (node.type === 'everyone' || node.type === 'here') leak('mention', `@${node.type}`);
    // A masked link hides its target behind member text; a bare URL shows where it goes.
    if (node.type === 'link' && String(node.target).includes(FOREIGN.host)) leak('link', String(node.target));
  });
  if (hasBidiControl(text)) leak('bidi', JSON.stringify(text.slice(0, 60)));
  return leaks;
}

export interface Judge {
  memberIds: ReadonlySet<string>;
  roleIds: ReadonlySet<string>;
  forum: RenderContext;
  /** Forum usernames and group names that exist (so a stray "@name" would notify them). */
  forumUsers: readonly string[];
  forumGroups: readonly string[];
}

/** Everything wrong with `body` as Discord shows it after our renderer. */
export function judgeDiscord(body: MessageBody, where: string, j: Judge, thread?: string): Leak[] {
  const json = messageJson(body);
  const leaks: Leak[] = [];
  const limit = (detail: string) => leaks.push({ kind: 'limit', platform: 'discord', where, detail });
  const content = json.content ?? '';
  if (content.length > LIMITS.content) limit(`content ${content.length}`);
  leaks.push(...discordMarkup(content, where, j.memberIds, j.roleIds));
  let total = 0;
  for (const e of json.embeds ?? []) {
    const parts: [string, string | undefined, number][] = [
      ['title', e.title, LIMITS.title],
      ['description', e.description, LIMITS.description],
      ['footer', e.footer?.text, LIMITS.footer],
      ...(e.fields ?? []).flatMap((f): [string, string, number][] => [
        ['field name', f.name, LIMITS.fieldName],
        ['field value', f.value, LIMITS.fieldValue],
      ]),
    ];
    for (const [name, text, max] of parts) {
      if (text === undefined) continue;
      total += text.length;
      if (text.length > max) limit(`${name} ${text.length}`);
      leaks.push(...discordMarkup(text, `${where} ${name}`, j.memberIds, j.roleIds));
    }
  }
  if (total > LIMITS.embedTotal) limit(`embeds ${total}`);
  for (const row of json.components ?? []) {
    for (const c of 'components' in row ? row.components : []) {
      const label = 'label' in c ? (c.label ?? '') : '';
      if (label.length > LIMITS.buttonLabel) limit(`button label ${label.length}`);
      if (hasBidiControl(label)) leaks.push({ kind: 'bidi', platform: 'discord', where, detail: 'button label' });
    }
  }
  if (thread !== undefined) {
    const name = threadName(thread);
    if (name.length > LIMITS.threadName || name.length === 0) limit(`thread name ${name.length}`);
    if (hasBidiControl(name)) leaks.push({ kind: 'bidi', platform: 'discord', where, detail: 'thread name' });
  }
  // Who is actually pinged, decided as Discord decides (the emulator's rule): only those listed.
  const pinged = resolvePings({
    content,
    allowedMentions: json.allowed_mentions,
    canMentionEveryone: true,
    isKnownUser: () => true,
    isMentionableRole: () => true,
    isGuildRole: () => true,
  });
  const allowed = new Set<string>([...(body.mentions?.members ?? []), ...(body.mentions?.roles ?? [])]);
  for (const id of [...pinged.users, ...pinged.roles]) {
    if (!allowed.has(id)) leaks.push({ kind: 'ping', platform: 'discord', where, detail: id });
  }
  if (pinged.everyone) leaks.push({ kind: 'ping', platform: 'discord', where, detail: '@everyone' });
  return leaks;
}

/** Everything wrong with `body` as the forum shows it after our renderer and Discourse's markdown. */
/** An anchor's text as the reader sees it (tags dropped, HTML entities decoded). */
const shownText = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();

/** Whether the visible text is the link's own target, up to percent-encoding. */
function sameTarget(shown: string, href: string): boolean {
  if (shown === href) return true;
  try {
    return decodeURI(shown) === decodeURI(href);
  } catch {
    return false;
  }
}

export function judgeDiscourse(body: MessageBody, where: string, j: Judge): Leak[] {
  const leaks: Leak[] = [];
  const leak = (kind: LeakKind, detail: string) => leaks.push({ kind, platform: 'discourse', where, detail });
  const raw = renderBody(body, j.forum);
  const title = titleFor(body, j.forum, 15, 'Convene');
  if (raw.length > DISCOURSE_LIMITS.post) leak('limit', `post ${raw.length}`);
  if (title.length > DISCOURSE_LIMITS.title) leak('limit', `title ${title.length}`);
  if (hasBidiControl(raw)) leak('bidi', JSON.stringify(raw.slice(0, 60)));
  if (hasBidiControl(title)) leak('bidi', 'title');
  const users = new Map(j.forumUsers.map((u) => [u.toLowerCase(), u]));
  const groups = new Map(j.forumGroups.map((g) => [g.toLowerCase(), g]));
  const { cooked, mentions } = cook(raw, {
    user: (name) => users.get(name.toLowerCase()),
    group: (name) => groups.get(name.toLowerCase()),
  });
  const allowedUsers = new Set(
    (body.mentions?.members ?? []).map((id) => j.forum.usernameOf(id)).filter((u): u is string => !!u),
  );
  const allowedGroups = new Set(
    (body.mentions?.roles ?? []).map((id) => j.forum.groupNameOf(id)).filter((g): g is string => !!g),
  );
  for (const u of mentions.users) if (!allowedUsers.has(u)) leak('mention', `@${u}`);
  for (const g of mentions.groups) if (!allowedGroups.has(g)) leak('mention', `@${g}`);
  for (const m of cooked.matchAll(/<a href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)) {
    const [, href, text] = m as unknown as [string, string, string];
    // A bare URL is cooked into a link to itself, its target percent-encoded ("\\" → %5C): not masked.
    if (href.includes(FOREIGN.host) && !sameTarget(shownText(text), href)) leak('link', href);
  }
  return leaks;
}
