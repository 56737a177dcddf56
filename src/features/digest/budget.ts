/**
 * How long a digest may be (pure). A digest is read on one screen: a phone shows about 36 lines of
 * an embed, and past ~2,400 characters a weekly post reads as a wall. The budget is checked against
 * the busiest week of a real forum (test/features/digest/busyWeek.test.ts); Discord's own limits
 * (fit.ts) are far larger and are the last guard, not the goal.
 */
import type { MessageBody } from '../../actions.js';

export const SCREEN = { lines: 36, chars: 2400 } as const;

/** The digest as a reader sees it: content, then each embed's title, description and fields, then buttons. */
export function digestAsText(body: MessageBody): string {
  const out = [body.content];
  for (const e of body.embeds ?? []) {
    out.push('', `## ${e.title ?? ''}`);
    if (e.description) out.push(e.description);
    for (const f of e.fields ?? []) out.push('', `### ${f.name}`, f.value);
    if (e.imageAttachment) out.push('', `[image: ${e.imageAttachment}]`);
    if (e.footer) out.push('', `_${e.footer}_`);
  }
  if (body.buttons?.length) out.push('', body.buttons.map((b) => `[ ${b.label} ]`).join(' '));
  return out.join('\n');
}

/** Lines of text (the blank separators between sections are spacing, not lines) and characters of `body`. */
export function screenSize(body: MessageBody): { lines: number; chars: number } {
  const text = digestAsText(body);
  return { lines: text.split('\n').filter((l) => l.trim() !== '').length, chars: [...text].length };
}
