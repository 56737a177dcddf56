/**
 * Every outgoing text fitted to the platform's limits, and member text shown as text (pure).
 *
 * - `fitText` cuts a text to a length on a line or word boundary, never inside a mention token
 *   (`<@1>`, `<@&1>`, `<#1>`, `<t:1:R>`), a link or inline code, closes the markdown it leaves open
 *   (`**`, `__`, `~~`, `||`, `` ` ``, a code fence) and ends with a visible "…".
 * - `fitDiscordBody` applies it to every part of a message (content, embed title, description,
 *   fields, footer, buttons) so that what the senders hand to Discord is accepted by construction.
 * - `safeText` is the one way member-supplied text (names, about, interests, titles, excerpts) is
 *   shown: one line, bidi and control characters removed, markdown escaped, mentions defused.
 */
import type { Embed, MessageBody } from '../actions.js';

/** Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  buttonLabel: 80,
  /** Discord: a channel or thread name is 1-100 characters. */
  threadName: 100,
  /** Discord: a select option's label and value are at most 100 characters. */
  selectLabel: 100,
  /** Discord: a modal's title and a text input's label are at most 45 characters. */
  modalTitle: 45,
  modalLabel: 45,
  /** Discord: a guild name is at most 100 characters, a display name (nickname) at most 32. */
  guildName: 100,
  displayName: 32,
} as const;

/** Discourse's site-setting defaults (max_post_length, max_topic_title_length). */
export const DISCOURSE_LIMITS = { post: 32_000, title: 255 } as const;

export const ELLIPSIS = '…';

/**
 * Lengths are JS string lengths (UTF-16 code units). Discord counts characters; a code unit count
 * is never smaller than a character count, so a body that fits here fits there.
 */
export const len = (s: string | undefined): number => s?.length ?? 0;

/**
 * Bidirectional overrides, embeddings and isolates (they can make "moc.live" read as "evil.com"
 * and reorder the bot's own words around them), and the C0/C1 controls other than line breaks and tabs.
 */
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const CONTROLS = /(?![\n\r\t])\p{Cc}/gu;

export const hasBidiControl = (text: string): boolean => /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/.test(text);

/** Text without bidi controls and invisible control characters (line breaks and tabs kept). */
export const stripControls = (text: string): string => text.replace(BIDI, '').replace(CONTROLS, '');

/** At most `max` code units, cut at a code point boundary, with "…" when something was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}${ELLIPSIS}`;
}

/**
 * A name, title or any text written by a member, made safe to show: one line, bidi and control
 * characters removed, markdown escaped (so "[click](https://evil.example)" reads as those
 * characters, not as a link), mentions defused (a zero-width space after "@" so "@everyone" reads
 * as text, not a ping — allowed mentions already stop the ping; this stops the look of one), clipped.
 */
export function safeText(text: string, max: number): string {
  // Only the start can be shown: do not normalise 100 kB of a pasted title to show 80 characters.
  const oneLine = stripControls(text.slice(0, max * 4 + 16))
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const clipped = clip(oneLine, max);
  return clipped.replace(/[\\*_~`|>[\]()<]/g, (c) => `\\${c}`).replace(/@/g, '@\u200b');
}

/** A masked link "[title](url)" when the URL is a plain http(s) URL of reasonable length, else the title. */
export function link(title: string, url: string | undefined, maxTitle: number): string {
  const text = safeText(title, maxTitle) || 'untitled';
  if (!url || url.length > 300 || !/^https?:\/\/[^\s()<>[\]]+$/.test(url)) return text;
  return `[${text}](${url})`;
}

/**
 * Join as many `items` as fit in `max` code units, in order, ending with `more(n)` for the n left
 * out. Returns '' when not even one item (or the "more" line alone) fits.
 */
export function fitList(
  items: readonly string[],
  max: number,
  more: (n: number) => string,
  sep = '\n',
  /** Items that exist but were not passed (a capped query): the "more" line is always needed then. */
  hidden = 0,
): string {
  if (max <= 0 || items.length === 0) return '';
  const kept: string[] = [];
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const add = (kept.length ? sep.length : 0) + item.length;
    const leftAfter = items.length - i - 1;
    const tail = leftAfter > 0 || hidden > 0 ? sep.length + more(leftAfter).length : 0;
    if (used + add + tail > max) {
      // This item does not fit with the "more" line after it: stop and say how many are left.
      const left = items.length - kept.length;
      const moreLine = more(left);
      if (kept.length === 0) return moreLine.length <= max ? moreLine : '';
      return [...kept, moreLine].join(sep);
    }
    kept.push(item);
    used += add;
  }
  return hidden > 0 ? [...kept, more(0)].join(sep) : kept.join(sep);
}

// ---------------------------------------------------------------------------------------------
// Cutting markdown

/**
 * Spans a cut must not fall inside: mention, channel, timestamp and emoji tokens, masked links,
 * autolinks and bare URLs. Inline code and fences are handled by the scanner below.
 */
const ATOMIC =
  /<@[!&]?\d+>|<#\d+>|<t:-?\d+(?::[tTdDfFR])?>|<a?:\w+:\d+>|!?\[[^\]\n]*\]\([^)\s]*\)|<https?:\/\/[^>\s]+>|https?:\/\/[^\s<>]+/g;

/** Delimiters that open and close a style; the longest first so "**" is not read as two "*". */
const PAIRS = ['```', '**', '__', '~~', '||', '`', '*', '_'] as const;
type Pair = (typeof PAIRS)[number];

/** The style delimiters left open at the end of `text`, innermost last. */
export function openMarkdown(text: string): Pair[] {
  const open: Pair[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      i += 2;
      continue;
    }
    const top = open.at(-1);
    // Inside code nothing is markup until the same run of backticks closes it.
    if (top === '`' || top === '```') {
      if (text.startsWith(top, i) && (top !== '`' || text[i + 1] !== '`')) {
        open.pop();
        i += top.length;
      } else i++;
      continue;
    }
    const pair = PAIRS.find((p) => text.startsWith(p, i));
    if (!pair) {
      i++;
      continue;
    }
    if (pair === '*' || pair === '_') {
      // A lone "*" or "_" only styles when it hugs a word ("*this*"), not in "5 * 3" or snake_case.
      const before = text[i - 1] ?? ' ';
      const after = text[i + 1] ?? ' ';
      const opens = /\s/.test(before) && !/\s/.test(after);
      const closes = open.includes(pair) && !/\s/.test(before);
      if (closes) open.splice(open.lastIndexOf(pair), 1);
      else if (opens && (pair === '*' || !/\w/.test(before))) open.push(pair);
      i++;
      continue;
    }
    const at = open.lastIndexOf(pair);
    if (at >= 0) open.splice(at, 1);
    else open.push(pair);
    i += pair.length;
  }
  return open;
}

/** For each index up to `limit`: 1 when a cut there would fall inside an atomic span. */
function insideSpans(text: string, limit: number): Uint8Array {
  const inside = new Uint8Array(limit + 1);
  for (const m of text.slice(0, limit + 600).matchAll(ATOMIC)) {
    for (let i = m.index + 1; i < Math.min(m.index + m[0].length, limit + 1); i++) inside[i] = 1;
  }
  return inside;
}

/** The best place to cut `text` at or before `limit`: a line break, else a space, else any safe point. */
function cutPoint(text: string, limit: number): number {
  const inside = insideSpans(text, limit);
  const safe = (i: number) => {
    if (inside[i] === 1) return false;
    const code = text.charCodeAt(i);
    return !(code >= 0xdc00 && code <= 0xdfff); // never between the halves of a surrogate pair
  };
  const floor = (share: number) => Math.floor(limit * share);
  for (let i = limit; i >= floor(0.6); i--) if (text[i] === '\n' && safe(i)) return i;
  for (let i = limit; i >= floor(0.5); i--) if (/\s/.test(text[i] ?? '') && safe(i)) return i;
  for (let i = limit; i > 0; i--) if (safe(i)) return i;
  return 0;
}

/**
 * `text` in at most `max` code units: unchanged when it fits; else cut on a line or word boundary
 * (never inside a mention, a link or a code span), the markdown it leaves open closed again, and
 * `ellipsis` added so the reader sees that something was cut.
 */
export function fitText(text: string, max: number, ellipsis = ELLIPSIS): string {
  if (text.length <= max) return text;
  if (max <= ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let room = max - ellipsis.length;
  for (let attempt = 0; attempt < 4; attempt++) {
    const head = text.slice(0, cutPoint(text, room)).replace(/[\s\\]+$/, '');
    const open = openMarkdown(head);
    const closers = open
      .slice()
      .reverse()
      .map((p) => (p === '```' ? '\n```' : p))
      .join('');
    // The ellipsis goes inside the styles ("**bold…**"), a fence's close on its own line.
    const out = `${head}${ellipsis}${closers}`;
    if (out.length <= max) return out;
    room -= out.length - max;
  }
  return clip(text.replace(/[*_~`|]/g, ''), max);
}

/** Names and labels that show no markdown (thread names, button labels): one line, cut at a word. */
export function fitPlain(text: string, max: number): string {
  const line = stripControls(text).replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const room = max - ELLIPSIS.length;
  const space = line.lastIndexOf(' ', room);
  const cut = space >= room / 2 ? space : room;
  // Never end between the halves of a surrogate pair.
  const end = line.charCodeAt(cut - 1) >= 0xd800 && line.charCodeAt(cut - 1) <= 0xdbff ? cut - 1 : cut;
  return `${line.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

// ---------------------------------------------------------------------------------------------
// Whole messages

/** Everything Discord counts toward the 6000-character total of a message's embeds. */
export function embedTextLength(embed: Embed): number {
  return (
    len(embed.title) +
    len(embed.description) +
    len(embed.footer) +
    (embed.fields ?? []).reduce((s, f) => s + len(f.name) + len(f.value), 0)
  );
}

function fitEmbed(embed: Embed, budget: number): Embed {
  const out: Embed = { ...embed };
  if (out.title !== undefined) out.title = fitText(out.title, LIMITS.title);
  if (out.footer !== undefined) out.footer = fitText(out.footer, LIMITS.footer);
  if (out.fields) {
    out.fields = out.fields.slice(0, LIMITS.fields).map((f) => ({
      ...f,
      name: fitText(f.name, LIMITS.fieldName) || '\u200b',
      value: fitText(f.value, LIMITS.fieldValue) || '\u200b',
    }));
  }
  if (out.description !== undefined) {
    const rest = embedTextLength({ ...out, description: '' });
    out.description = fitText(out.description, Math.max(0, Math.min(LIMITS.description, budget - rest)));
  }
  // Still over the shared budget (many long fields): drop fields from the end.
  while (out.fields?.length && embedTextLength(out) > budget) out.fields = out.fields.slice(0, -1);
  return out;
}

/** A body that Discord accepts: every part within its limit, cut as `fitText` cuts. */
export function fitDiscordBody(body: MessageBody): MessageBody {
  const embeds = body.embeds?.slice(0, LIMITS.embeds);
  let left: number = LIMITS.embedTotal;
  const fitted = embeds?.map((e) => {
    const out = fitEmbed(e, left);
    left = Math.max(0, left - embedTextLength(out));
    return out;
  });
  return {
    ...body,
    content: fitText(body.content, LIMITS.content),
    ...(fitted ? { embeds: fitted } : {}),
    ...(body.buttons
      ? { buttons: body.buttons.map((b) => ({ ...b, label: fitPlain(b.label, LIMITS.buttonLabel) || '…' })) }
      : {}),
  };
}

/** Why a body breaks Discord's limits, or null when it fits (used by tests and as a last guard). */
export function limitViolation(body: MessageBody): string | null {
  if (len(body.content) > LIMITS.content) return `content ${len(body.content)} > ${LIMITS.content}`;
  const embeds = body.embeds ?? [];
  if (embeds.length > LIMITS.embeds) return `${embeds.length} embeds > ${LIMITS.embeds}`;
  let total = 0;
  for (const e of embeds) {
    if (len(e.title) > LIMITS.title) return `title ${len(e.title)} > ${LIMITS.title}`;
    if (len(e.description) > LIMITS.description) return `description ${len(e.description)} > ${LIMITS.description}`;
    if (len(e.footer) > LIMITS.footer) return `footer ${len(e.footer)} > ${LIMITS.footer}`;
    const fields = e.fields ?? [];
    if (fields.length > LIMITS.fields) return `${fields.length} fields > ${LIMITS.fields}`;
    for (const f of fields) {
      if (len(f.name) === 0 || len(f.name) > LIMITS.fieldName) return `field name length ${len(f.name)}`;
      if (len(f.value) === 0 || len(f.value) > LIMITS.fieldValue) return `field value length ${len(f.value)}`;
    }
    total += embedTextLength(e);
  }
  if (total > LIMITS.embedTotal) return `embed total ${total} > ${LIMITS.embedTotal}`;
  for (const b of body.buttons ?? []) {
    if (len(b.label) === 0 || len(b.label) > LIMITS.buttonLabel) return `button label length ${len(b.label)}`;
    if (b.id.length > 100) return `button id length ${b.id.length}`;
  }
  if ((body.buttons ?? []).length > 5) return `${body.buttons!.length} buttons > 5 in a row`;
  return null;
}
