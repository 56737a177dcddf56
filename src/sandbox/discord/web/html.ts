/**
 * HTML that is escaped by construction: `html\`<b>${name}</b>\`` escapes every interpolated string, so
 * member names and messages (a demo replays real public chat) always reach the page as text. Only
 * another `html` result (or an array of them) is inserted as markup.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | bigint | boolean | null | undefined | readonly Part[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function put(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(put).join('');
  return esc(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < parts.length; i++) out += put(parts[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** An http(s) URL or a path on this server, else null (no javascript:, data: or other schemes). */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  return /^https?:\/\/[^\s<>"]+$/i.test(url) ? url : null;
}
