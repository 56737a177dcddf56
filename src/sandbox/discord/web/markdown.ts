/**
 * The part of Discord's markdown the bot and members use, rendered to escaped HTML: headings,
 * "-#" subtext, quotes, lists, code, bold/italic/underline/strike/spoiler, masked and bare links,
 * mentions, channel links and timestamps. Everything else is text. Links are http(s) only.
 */
import { esc, Html, html } from './html.js';

export interface MarkdownContext {
  /** "@Name" for a user mention. */
  user(userId: string): Html;
  /** "#name" (a link when the viewer can open it) for a channel mention. */
  channel(channelId: string): Html;
  role(roleId: string): Html;
  /** Where a link goes on this page (Discord message links open the channel here), or null if not a safe link. */
  href(url: string): string | null;
}

type Rule = [RegExp, (m: RegExpExecArray, ctx: MarkdownContext) => Html];

/** A link on this page opens in place; one elsewhere in a new tab; an unsafe one is text. */
const link = (href: string | null, label: Html | string) => {
  if (!href) return html`${label}`;
  if (href.startsWith('/')) return html`<a href="${href}">${label}</a>`;
  return html`<a href="${href}" target="_blank" rel="noopener noreferrer">${label}</a>`;
};

const inner = (text: string, ctx: MarkdownContext) => inline(text, ctx);

const RULES: Rule[] = [
  [/\\([^\w\s])/y, (m) => html`${m[1]}`],
  [/``([^`]+?)``|`([^`\n]+)`/y, (m) => html`<code>${m[1] ?? m[2]}</code>`],
  [/<@!?(\d+)>/y, (m, ctx) => ctx.user(m[1]!)],
  [/<@&(\d+)>/y, (m, ctx) => ctx.role(m[1]!)],
  [/<#(\d+)>/y, (m, ctx) => ctx.channel(m[1]!)],
  [/<t:(-?\d+)(?::([tTdDfFR]))?>/y, (m) => timestamp(Number(m[1]) * 1000, m[2] === 'R')],
  [/<a?:(\w+):\d+>/y, (m) => html`:${m[1]}:`],
  [
    /\[((?:\\.|[^\]\\\n])+)\]\(<?(https?:\/\/[^\s)>]+|\/[^\s)>]*)>?\)/y,
    (m, ctx) => link(ctx.href(m[2]!), inner(m[1]!, ctx)),
  ],
  [/<(https?:\/\/[^\s>]+)>/y, (m, ctx) => link(ctx.href(m[1]!), m[1]!)],
  [/https?:\/\/[^\s<]*[^\s<.,:;"')\]]/y, (m, ctx) => link(ctx.href(m[0]), m[0])],
  [/\*\*([\s\S]+?)\*\*(?!\*)/y, (m, ctx) => html`<strong>${inner(m[1]!, ctx)}</strong>`],
  [/__([\s\S]+?)__(?!_)/y, (m, ctx) => html`<u>${inner(m[1]!, ctx)}</u>`],
  [/~~([\s\S]+?)~~/y, (m, ctx) => html`<s>${inner(m[1]!, ctx)}</s>`],
  [/\|\|([\s\S]+?)\|\|/y, (m, ctx) => html`<span class="spoiler">${inner(m[1]!, ctx)}</span>`],
  [/\*(?![\s*])([\s\S]+?)(?<![\s\\])\*/y, (m, ctx) => html`<em>${inner(m[1]!, ctx)}</em>`],
  [/\b_(?![\s_])([\s\S]+?)(?<!\s)_\b/y, (m, ctx) => html`<em>${inner(m[1]!, ctx)}</em>`],
];

/** Discord's <t:…> in words: ":R" as "3 h ago" / "in 2 days", the others as a UTC date and time. */
function timestamp(ms: number, relative: boolean): Html {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return html`(a date)`;
  const absolute = date.toUTCString().replace(/:\d\d GMT$/, ' UTC');
  return html`<time datetime="${date.toISOString()}" title="${absolute}">${relative ? fromNow(ms, Date.now()) : absolute}</time>`;
}

function fromNow(ms: number, now: number): string {
  const ahead = ms > now;
  const minutes = Math.round(Math.abs(ms - now) / 60_000);
  if (minutes < 1) return 'just now';
  const [n, unit] =
    minutes < 60
      ? [minutes, 'minute']
      : minutes < 48 * 60
        ? [Math.round(minutes / 60), 'hour']
        : [Math.round(minutes / 1440), 'day'];
  const span = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return ahead ? `in ${span}` : `${span} ago`;
}

/** One line's (or one span's) inline formatting. */
export function inline(text: string, ctx: MarkdownContext): Html {
  let out = '';
  let plain = '';
  let i = 0;
  outer: while (i < text.length) {
    for (const [re, render] of RULES) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (m && m[0].length > 0) {
        out += esc(plain) + render(m, ctx).value;
        plain = '';
        i += m[0].length;
        continue outer;
      }
    }
    plain += text[i];
    i++;
  }
  return new Html(out + esc(plain));
}

/** A whole message (or embed description/field) with its block structure. */
export function markdown(text: string, ctx: MarkdownContext): Html {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Html[] = [];
  let paragraph: Html[] = [];
  let list: { ordered: boolean; items: Html[] } | null = null;
  let quote: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) blocks.push(html`<p>${paragraph.map((l, n) => (n ? html`<br>${l}` : l))}</p>`);
    paragraph = [];
  };
  const endList = () => {
    if (list) blocks.push(list.ordered ? html`<ol>${list.items}</ol>` : html`<ul>${list.items}</ul>`);
    list = null;
  };
  const endQuote = () => {
    if (quote.length) blocks.push(html`<blockquote>${markdown(quote.join('\n'), ctx)}</blockquote>`);
    quote = [];
  };
  const endAll = () => {
    endParagraph();
    endList();
    endQuote();
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.startsWith('```')) {
      endAll();
      const code: string[] = [];
      let first = line.slice(3);
      // ```lang on its own line: the language is not shown.
      if (/^\w*$/.test(first)) first = '';
      else if (first.endsWith('```')) {
        blocks.push(html`<pre><code>${first.slice(0, -3)}</code></pre>`);
        continue;
      }
      if (first) code.push(first);
      for (n++; n < lines.length && !lines[n]!.startsWith('```'); n++) code.push(lines[n]!);
      blocks.push(html`<pre><code>${code.join('\n')}</code></pre>`);
      continue;
    }
    const quoted = /^>(?:>>)? (.*)$/.exec(line);
    if (quoted) {
      endParagraph();
      endList();
      quote.push(quoted[1]!);
      continue;
    }
    endQuote();
    const heading = /^(#{1,3}) (.+)$/.exec(line);
    const subtext = /^-# (.+)$/.exec(line);
    const bullet = /^\s*[-*] (.+)$/.exec(line);
    const numbered = /^\s*\d+\. (.+)$/.exec(line);
    if (heading) {
      endAll();
      const level = heading[1]!.length;
      const body = inline(heading[2]!, ctx);
      blocks.push(level === 1 ? html`<h3>${body}</h3>` : level === 2 ? html`<h4>${body}</h4>` : html`<h5>${body}</h5>`);
    } else if (subtext) {
      endAll();
      blocks.push(html`<p class="subtext">${inline(subtext[1]!, ctx)}</p>`);
    } else if (bullet || numbered) {
      endParagraph();
      const ordered = !bullet;
      if (list && list.ordered !== ordered) endList();
      list ??= { ordered, items: [] };
      list.items.push(html`<li>${inline((bullet ?? numbered)![1]!, ctx)}</li>`);
    } else if (line.trim() === '') {
      endAll();
    } else {
      endList();
      paragraph.push(inline(line, ctx));
    }
  }
  endAll();
  return html`${blocks}`;
}
