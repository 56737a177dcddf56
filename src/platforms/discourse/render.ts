/**
 * MessageBody → Discourse markdown (pure).
 *
 * Feature text is written in Discord's syntax; this is where it becomes the forum's:
 *   `<@memberId>`  → "@username" only for members in `mentions.members`, else the plain username (no @);
 *   `<@&groupId>`  → "@group" only for groups in `mentions.roles`, else the group named without a ping;
 *   `<#channelId>` → a link to the topic or category;
 *   `<t:unix:style>` → a readable UTC date ("Mon 30 Nov 2026, 09:00 UTC");
 *   "-# small print" lines → `<small>`; a slash command in code ("`/nudges off`") → "`@convene nudges off`"
 *   when the bot's username is known (commands on Discourse are mentions of the bot); a command in
 *   double backticks ("``/link confirm code:1``", a Discord command named on the forum) stays a
 *   slash command, in single backticks.
 * Any other "@word" in the text — "@everyone", "@staff", "@someone" typed by a member — gets a
 * zero-width joiner after the @ so Discourse's mention rule (an @ directly followed by username
 * characters) does not match and nobody is notified, while the text reads the same.
 */
import type { Attachment, Embed, MessageBody } from '../../actions.js';
import { DISCOURSE_LIMITS, fitText, stripControls } from '../../text/fit.js';
import { parseChannelId } from './ids.js';

/** Discourse: max_post_length default 32000 characters. */
export const MAX_POST_LENGTH = DISCOURSE_LIMITS.post;
/** Discourse: min_post_length and min_first_post_length default 20, min_personal_message_post_length 10. */
export const MIN_POST_LENGTH = 20;
export const MIN_PM_POST_LENGTH = 10;
/** Discourse: min_topic_title_length default 15, max_topic_title_length 255. */
export const MIN_TOPIC_TITLE = 15;
const MAX_TITLE = 255;

const ZWJ = '\u200D';

export interface UploadedFile {
  shortUrl: string;
  width?: number | null;
  height?: number | null;
}

export interface RenderContext {
  baseUrl: string;
  /** Current username of a member (for @mentions), when known. */
  usernameOf(memberId: string): string | undefined;
  /** Group name of a role id (for @group mentions), when known. */
  groupNameOf(roleId: string): string | undefined;
  /** Attachments already uploaded, by attachment name. */
  uploads?: ReadonlyMap<string, UploadedFile>;
  /** The bot's username: "`/journey`" in feature text becomes "`@convene journey`". */
  botUsername?: string;
  /** Command paths ("nudges off", "profile show"): also written without code quotes, they become forum commands. */
  commands?: readonly string[];
  /** A category's name or a topic's title, for "<#id>" links that read as words. */
  channelNameOf?(channelId: string): string | undefined;
}

/**
 * "@word" → "@\u200Dword": shows the same, notifies nobody. An @ right after a letter or digit
 * (an e-mail address) is not a mention on Discourse and is left alone so it still links.
 */
export function escapeMentions(text: string): string {
  return text.replace(/(?<![\p{L}\p{N}_])@(?=[\p{L}\p{N}_])/gu, `@${ZWJ}`);
}

/**
 * The text cut into prose and code, as markdown-it (Discourse's parser) reads it: a run of n
 * backticks opens a code span that the next run of exactly n closes; a backslash before a backtick
 * makes it a plain character, so "\\`@staff\\`" is prose (and @staff in it would notify).
 * Odd indexes of the result are code.
 */
export function splitCode(text: string): string[] {
  const parts: string[] = [];
  let prose = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2;
      continue;
    }
    if (text[i] !== '`') {
      i++;
      continue;
    }
    let run = 1;
    while (text[i + run] === '`') run++;
    const fence = '`'.repeat(run);
    let close = text.indexOf(fence, i + run);
    while (close >= 0 && text[close + run] === '`') {
      let next = close;
      while (text[next] === '`') next++;
      close = text.indexOf(fence, next);
    }
    if (close < 0) {
      i += run;
      continue;
    }
    parts.push(text.slice(prose, i), text.slice(i, close + run));
    i = close + run;
    prose = i;
  }
  parts.push(text.slice(prose));
  return parts;
}

/**
 * escapeMentions outside code: "@" in `code` or a fenced block never notifies, and a member copying
 * "`@convene meet`" from a help text must get the plain characters.
 */
export function escapeMentionsOutsideCode(text: string): string {
  return splitCode(text)
    .map((part, i) => (i % 2 === 1 ? part : escapeMentions(part)))
    .join('');
}

/** A name inside "[name](url)": shown as written, no markdown, no ping, no bidi trick. */
const linkText = (name: string) =>
  escapeMentions(
    stripControls(name)
      .replace(/[\n\r]+/g, ' ')
      .replace(/[\\`*_~|[\]<>]/g, (c) => `\\${c}`),
  ).trim();

/** Convene's tokens; one written after a backslash ("\\<@1>", member text shown as text) is not one. */
const TOKEN =
  /(?<!\\)(?:<@!?([^>\s&][^>\s]*)>|<@&([^>\s]+)>|<#([^>\s]+)>|<t:(-?\d+)(?::([tTdDfFR]))?>|<a?:(\w+):\d+>)/g;

/** The channel ids of the "<#id>" tokens of a text, as renderText reads them. */
export function channelIdsIn(text: string): string[] {
  return [...text.matchAll(TOKEN)].flatMap((match) => (match[3] === undefined ? [] : [match[3]]));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A Discord timestamp as a readable UTC date: "Mon 30 Nov 2026" for the date styles (d, D),
 * "09:00 UTC" for the time styles (t, T), "Mon 30 Nov 2026, 09:00 UTC" otherwise (f, F, R and none:
 * a relative "in 3 days" would be wrong by the time someone reads the post).
 */
export function readableUtcDate(unixSeconds: number, style?: string): string {
  const d = new Date(unixSeconds * 1000);
  if (Number.isNaN(d.getTime())) return 'a date';
  const date = `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  if (style === 'd' || style === 'D') return date;
  if (style === 't' || style === 'T') return time;
  return `${date}, ${time}`;
}

/**
 * "`/nudges off`" → "`@convene nudges off`": the Discourse form of a command named in feature text.
 * Without code quotes ("/profile show shows…") only a known command path is rewritten, so a path
 * like "/etc/fstab" in someone's question stays as it is.
 */
function forumCommands(text: string, botUsername: string | undefined, commands: readonly string[]): string {
  if (!botUsername) return text;
  const quoted = text.replace(
    /(?<!`)`\/([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)*)((?: [a-z_]+:[^`]*)?)`(?!`)/g,
    `\`@${botUsername} $1$2\``,
  );
  if (commands.length === 0) return quoted;
  const known = new Set(commands);
  return quoted
    .split(/(```[\s\S]*?```|``[^`\n]+``|`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(
            /(^|[\s(“"'])\/([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)*)(?![\w/-]|\.\w)/g,
            (all, before: string, path: string) => {
              const words = path.split(' ');
              for (let n = words.length; n > 0; n--) {
                const name = words.slice(0, n).join(' ');
                if (known.has(name)) return `${before}\`@${botUsername} ${name}\`${path.slice(name.length)}`;
              }
              return all;
            },
          ),
    )
    .join('');
}

/** "``/link confirm code:1``": a Discord slash command named in forum text, kept as it is (single backticks). */
const discordCommands = (text: string) => text.replace(/``(\/[^`\n]+)``/g, '`$1`');

/** Discord's "-# small print" line → HTML small text, which Discourse allows. */
function subtext(text: string): string {
  return text.replace(/^-# (.+)$/gm, '<small>$1</small>');
}

/** Text with Convene's mention tokens resolved and every other @ made harmless. */
export function renderText(source: string, body: Pick<MessageBody, 'mentions'>, ctx: RenderContext): string {
  const text = subtext(discordCommands(forumCommands(source, ctx.botUsername, ctx.commands ?? [])));
  const members = new Set(body.mentions?.members ?? []);
  const roles = new Set(body.mentions?.roles ?? []);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    out += escapeMentionsOutsideCode(text.slice(last, match.index));
    last = match.index + match[0].length;
    const [, memberId, roleId, channelId, unix, style, emoji] = match;
    if (memberId !== undefined) {
      const username = ctx.usernameOf(memberId);
      if (!username) out += 'someone';
      else out += members.has(memberId as never) ? `@${username}` : username;
    } else if (roleId !== undefined) {
      const name = ctx.groupNameOf(roleId);
      if (!name) out += 'a group';
      else out += roles.has(roleId as never) ? `@${name}` : escapeMentions(`@${name}`);
    } else if (channelId !== undefined) {
      const ref = parseChannelId(channelId);
      if (!ref) out += 'a channel';
      else {
        const url = ref.kind === 'topic' ? `${ctx.baseUrl}/t/${ref.id}` : `${ctx.baseUrl}/c/${ref.id}`;
        const name = linkText(ctx.channelNameOf?.(channelId) ?? '');
        out += name ? `[${name}](${url})` : url;
      }
    } else if (unix !== undefined) {
      out += readableUtcDate(Number(unix), style);
    } else if (emoji !== undefined) {
      out += `:${emoji}:`;
    }
  }
  out += escapeMentionsOutsideCode(text.slice(last));
  return out;
}

function uploadMarkdown(attachment: Pick<Attachment, 'name' | 'contentType'>, upload: UploadedFile | undefined) {
  const name = attachment.name.replace(/[[\]|]/g, '');
  if (!upload) return `_(${name} is attached on Discord only)_`;
  if (attachment.contentType.startsWith('image/')) {
    const size = upload.width && upload.height ? `|${upload.width}x${upload.height}` : '';
    return `![${name}${size}](${upload.shortUrl})`;
  }
  return `[${name}|attachment](${upload.shortUrl})`;
}

function renderEmbed(embed: Embed, body: MessageBody, ctx: RenderContext, shown: Set<string>): string {
  const text = (value: string) => renderText(value, body, ctx);
  const lines: string[] = [];
  if (embed.title) lines.push(embed.url ? `**[${text(embed.title)}](${embed.url})**` : `**${text(embed.title)}**`);
  if (embed.description) lines.push(text(embed.description));
  for (const field of embed.fields ?? []) lines.push(`**${text(field.name)}**\n${text(field.value)}`);
  if (embed.imageAttachment) {
    const attachment = body.attachments?.find((a) => a.name === embed.imageAttachment);
    if (attachment) {
      lines.push(uploadMarkdown(attachment, ctx.uploads?.get(attachment.name)));
      shown.add(attachment.name);
    }
  }
  if (embed.footer) lines.push(`<small>${text(embed.footer)}</small>`);
  return lines.join('\n\n');
}

/** The whole post: content, then each embed, then the attachments no embed showed. */
export function renderBody(body: MessageBody, ctx: RenderContext): string {
  const parts: string[] = [];
  if (body.content.trim()) parts.push(renderText(body.content, body, ctx));
  const shown = new Set<string>();
  for (const embed of body.embeds ?? []) {
    const rendered = renderEmbed(embed, body, ctx, shown);
    if (rendered) parts.push(rendered);
  }
  for (const attachment of body.attachments ?? []) {
    if (!shown.has(attachment.name)) parts.push(uploadMarkdown(attachment, ctx.uploads?.get(attachment.name)));
  }
  const raw = parts.join('\n\n').trim() || '…';
  return fitText(raw, MAX_POST_LENGTH);
}

/** Markdown and mention tokens out of a line, for titles (which never notify anyone). */
function plainLine(text: string, ctx: RenderContext): string {
  return stripControls(text)
    .replace(/<@!?([^>\s&][^>\s]*)>/g, (_, id: string) => ctx.usernameOf(id) ?? 'someone')
    .replace(/<@&([^>\s]+)>/g, (_, id: string) => ctx.groupNameOf(id) ?? 'a group')
    .replace(/<#[^>\s]+>|<t:-?\d+(?::\w)?>/g, '')
    .replace(/<a?:(\w+):\d+>/g, ':$1:')
    .replace(/[*_~`#>[\]]/g, '')
    .replace(/\(https?:\/\/[^)]*\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A title for a new topic or PM: the first embed's title, else the first line of the content, cut at
 * a word near 80 characters. Topics need at least MIN_TOPIC_TITLE characters.
 */
export function titleFor(body: MessageBody, ctx: RenderContext, minLength: number, fallback: string): string {
  const candidates = [body.embeds?.[0]?.title ?? '', ...body.content.split('\n')];
  let title = candidates.map((line) => plainLine(line, ctx)).find((line) => line.length > 0) ?? fallback;
  if (title.length > 80) {
    const cut = title.slice(0, 80);
    const space = cut.lastIndexOf(' ');
    title = `${(space > 40 ? cut.slice(0, space) : cut).trim()}…`;
  }
  if (title.length < minLength) title = `${title} — ${fallback}`.slice(0, MAX_TITLE);
  if (title.length < minLength) title = title.padEnd(minLength, '.');
  return title.slice(0, MAX_TITLE);
}

/**
 * Discourse refuses posts shorter than its minimum (20 characters by default, 10 in PMs): a short
 * answer like "Done!" gets a small signature line rather than a 422.
 */
export function fitMinimum(raw: string, minLength: number, signature: string): string {
  if (raw.trim().length >= minLength) return raw;
  const signed = `${raw}\n\n<small>— ${signature}</small>`;
  return signed.length >= minLength ? signed : signed.padEnd(minLength, ' ');
}
