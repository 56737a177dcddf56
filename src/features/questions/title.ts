/**
 * A question's title (pure): what it is called where it is listed or nudged. A thread has its name;
 * a question asked as a message in a help channel is named by the first line of that message, as
 * plain text: markup removed (remove-markdown knows CommonMark's corners: emphasis, code spans,
 * links, headings, lists), Discord's mention tokens dropped, a custom emoji by its name, cut short.
 * It is shown as text wherever it goes (escaped by the renderer), so nothing here needs to be safe.
 */
import removeMarkdown from 'remove-markdown';

/** Long enough to say what the question is; short enough for one line of a list (Discord embeds cut at 256). */
export const TITLE_MAX = 100;
/** A first line shorter than this ("hi all", "help!") is joined with the next one. */
const SHORT_LINE = 24;

/** Fenced code blocks say how, not what: the title comes from the words around them. */
const FENCE = /```[\s\S]*?(```|$)/g;
/** <@id>, <@!id>, <@&id>, <#id>, <t:123:R>: ids and timestamps read as noise in a title. */
const TOKEN = /<(?:@[!&]?|#|t:)[\w:-]+>/g;
/** <:name:id> and <a:name:id>: the emoji's name. */
const EMOJI = /<a?:(\w+):\d+>/g;

/** Cut at a word boundary so that the result, with its ellipsis, fits `max`. */
export function cutTitle(text: string, max = TITLE_MAX): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = chars.slice(0, max - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${(space > max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** The title of a message-question: its first line (the first few if that one is short); null when nothing is left. */
export function questionTitle(content: string): string | null {
  const stripped = content.replace(FENCE, '\n').replace(EMOJI, ':$1:').replace(TOKEN, ' ');
  const lines = removeMarkdown(stripped, { gfm: true, useImgAltText: true })
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  let title = '';
  for (const line of lines) {
    title = title ? `${title} ${line}` : line;
    if (title.length >= SHORT_LINE) break;
  }
  return title ? cutTitle(title) : null;
}
