/**
 * Making text fit Discord's message limits by construction (pure): clip by code points (never half
 * an emoji), escape what members wrote so it cannot format or look like a ping, and fill a list up
 * to a character budget with "and N more".
 */
import type { Embed, MessageBody } from '../../actions.js';

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
} as const;

/**
 * Lengths are JS string lengths (UTF-16 code units). Discord counts characters; a code unit count
 * is never smaller than a character count, so a body that fits here fits there.
 */
export const len = (s: string | undefined): number => s?.length ?? 0;

/** At most `max` code units, cut at a code point boundary, with "…" when something was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * A name or title written by a member, made safe to show: one line, markdown escaped, mentions
 * defused (a zero-width space after "@" so "@everyone" in a thread title reads as text, not a
 * ping — allowed mentions already stop the ping; this stops the look of one), clipped.
 */
export function safeText(text: string, max: number): string {
  // Only the start can be shown: do not normalise 100 kB of a pasted title to show 80 characters.
  const oneLine = text
    .slice(0, max * 4 + 16)
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

/** Everything Discord counts toward the 6000-character total of a message's embeds. */
export function embedTextLength(embed: Embed): number {
  return (
    len(embed.title) +
    len(embed.description) +
    len(embed.footer) +
    (embed.fields ?? []).reduce((s, f) => s + len(f.name) + len(f.value), 0)
  );
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
