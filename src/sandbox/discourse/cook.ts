/**
 * Discourse's "cooking" of a post's raw markdown, for the emulator: markdown-it, the parser Discourse
 * itself is built on (with its defaults here: HTML allowed, bare URLs linked, a newline is a line
 * break), plus Discourse's mention rule. Using the same parser keeps the emulator honest about what
 * is code and what is text: "\`@staff\`" (escaped backticks) is not code, so @staff is notified.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: true, linkify: true, breaks: true });
type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];
// markdown-it exports no Token class; every state object carries it.
const TokenClass = new md.core.State('', md, {}).Token as unknown as new (
  type: string,
  tag: string,
  nesting: number,
) => Token;

/** Discourse's mention rule: "@" not after a word character, "@" or "/", then username characters. */
const MENTION = /(^|[^\w@/])@([\w.-]*\w)/g;

export interface Mentionable {
  /** The canonical username of a user with this name, if any. */
  user(name: string): string | undefined;
  /** The canonical name of a group with this name, if any. */
  group(name: string): string | undefined;
}

function html(content: string): Token {
  const token = new TokenClass('html_inline', '', 0);
  token.content = content;
  return token;
}

function text(content: string): Token {
  const token = new TokenClass('text', '', 0);
  token.content = content;
  return token;
}

export function cook(
  raw: string,
  who: Mentionable,
): { cooked: string; mentions: { users: string[]; groups: string[] } } {
  const users = new Set<string>();
  const groups = new Set<string>();
  const env = {};
  const tokens = md.parse(raw.replace(/\r\n/g, '\n'), env);
  for (const block of tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const out: Token[] = [];
    let inLink = 0;
    for (const token of block.children) {
      if (token.type === 'link_open') inLink++;
      if (token.type === 'link_close') inLink--;
      // Code spans are their own tokens (never "text"): mentions in them do not notify.
      if (token.type !== 'text' || inLink > 0) {
        out.push(token);
        continue;
      }
      let last = 0;
      for (const m of token.content.matchAll(MENTION)) {
        const [whole, before, name] = m as unknown as [string, string, string];
        const user = who.user(name);
        const group = user ? undefined : who.group(name);
        if (!user && !group) continue;
        out.push(text(token.content.slice(last, m.index + before.length)));
        if (user) {
          users.add(user);
          out.push(html(`<a class="mention" href="/u/${user.toLowerCase()}">@${user}</a>`));
        } else {
          groups.add(group!);
          out.push(html(`<a class="mention-group" href="/groups/${group}">@${group}</a>`));
        }
        last = m.index + whole.length;
      }
      if (last === 0) out.push(token);
      else out.push(text(token.content.slice(last)));
    }
    block.children = out;
  }
  return {
    cooked: md.renderer.render(tokens, md.options, env).trim(),
    mentions: { users: [...users], groups: [...groups] },
  };
}
