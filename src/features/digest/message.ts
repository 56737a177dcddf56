/** What the digest's messages share: the colour, the budget that keeps them within Discord's limits, a few words. */
import type { MessageBody } from '../../actions.js';
import { LIMITS, len, limitViolation } from '../../text/fit.js';
import { formatCount } from '../../text/plural.js';

export const COLOR = 0x5865f2;
/** Room kept free under the 6000 total for the fixed parts (title, footer, field names). */
export const TOTAL_BUDGET = LIMITS.embedTotal;

export const andMore = (n: number) => `…and ${formatCount(n)} more`;

export function ago(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  if (days >= 1) return `${days} d`;
  const hours = Math.floor(ms / 3_600_000);
  return hours >= 1 ? `${hours} h` : '< 1 h';
}

/** A budgeted builder: every text added is charged to the 6000-character embed total. */
export class Budget {
  used = 0;
  constructor(readonly total: number) {}
  get left(): number {
    return Math.max(0, this.total - this.used);
  }
  charge(...texts: (string | undefined)[]): void {
    for (const t of texts) this.used += len(t);
  }
}

/**
 * The budget above keeps every body within the limits (the property test checks it with large
 * random inputs). Should a future edit break that, drop trailing fields rather than have Discord
 * refuse the whole digest.
 */
export function guardLimits(body: MessageBody): MessageBody {
  let b = body;
  while (limitViolation(b) !== null) {
    const main = b.embeds?.[0];
    if (b.embeds && b.embeds.length > 1) b = { ...b, embeds: b.embeds.slice(0, 1) };
    else if (main?.fields?.length) b = { ...b, embeds: [{ ...main, fields: main.fields.slice(0, -1) }] };
    else if (main?.description) b = { ...b, embeds: [{ ...main, description: undefined }] };
    else return { content: b.content.slice(0, LIMITS.content) };
  }
  return b;
}
