/** "Full lists" under a digest (pure): every newcomer, milestone and waiting question of the week. */
import type { EmbedField, MessageBody } from '../../actions.js';
import { fitList, LIMITS, link, safeText } from '../../text/fit.js';
import { formatCount, plural } from '../../text/plural.js';
import type { DigestData } from './compose.js';
import { ago, andMore, Budget, COLOR, guardLimits, TOTAL_BUDGET } from './message.js';

/**
 * The digest's lists in full, for the one who clicked "Full lists" (ephemeral): every newcomer,
 * milestone and waiting question the week has, as many as Discord's limits let one message carry
 * ("and N more" past that). Names and titles are member text, shown as text.
 */
export function composeLists(data: DigestData, now: number): MessageBody {
  const budget = new Budget(TOTAL_BUDGET);
  const title = `The full lists of ${safeText(data.windowLabel, 60)}`;
  budget.charge(title);
  const names = data.newMembers.names.map((n) => safeText(n, 40)).filter(Boolean);
  const hiddenNames = Math.max(0, data.newMembers.count - names.length);
  const welcome =
    data.newMembers.count > 0
      ? `👋 **${plural(data.newMembers.count, 'new member')}**: ${fitList(
          names,
          Math.min(LIMITS.description - 40, budget.left - 2000),
          (k) => `and ${formatCount(k + hiddenNames)} more`,
          ', ',
          hiddenNames,
        )}`
      : '';
  budget.charge(welcome);
  const fields: EmbedField[] = [];
  const { total, items } = data.milestones;
  if (total > 0) {
    const name = `🏅 ${plural(total, 'milestone')}`;
    const hidden = Math.max(0, total - items.length);
    const value = fitList(
      items.map((m) => `${safeText(m.name, 40)} ${safeText(m.milestone, 60)}`),
      Math.min(LIMITS.fieldValue, Math.floor(budget.left / 2) - name.length),
      (k) => andMore(k + hidden),
      '\n',
      hidden,
    );
    if (value) {
      fields.push({ name, value });
      budget.charge(name, value);
    }
  }
  const w = data.waitingQuestions;
  if (w.total > 0) {
    // One field holds 1024 characters (about ten questions): the list goes on in further fields.
    const hidden = Math.max(0, w.total - w.items.length);
    let lines = w.items.map((q) => `${link(q.title, q.url, 80)} · waiting ${ago(now - q.askedAt)}`);
    let name = `🙋 ${plural(w.total, 'question')} still waiting for help`;
    while (lines.length > 0 && fields.length < LIMITS.fields) {
      const kept: string[] = [];
      let used = 0;
      for (const line of lines) {
        if (used + line.length + 1 > LIMITS.fieldValue - 40) break;
        kept.push(line);
        used += line.length + 1;
      }
      const rest = lines.length - kept.length;
      const more = rest + hidden > 0 ? andMore(rest + hidden) : '';
      if (kept.length === 0 || budget.left < name.length + used + 2 * more.length + 60) {
        // No room for another field: the last one already says how many are left.
        break;
      }
      const value = [...kept, ...(rest === 0 && more ? [more] : [])].join('\n');
      fields.push({ name, value });
      budget.charge(name, value);
      lines = lines.slice(kept.length);
      name = '🙋 …still waiting';
    }
    if (lines.length > 0) {
      const last = fields.at(-1);
      const tail = andMore(lines.length + hidden);
      if (last && last.value.length + tail.length + 1 <= LIMITS.fieldValue) last.value = `${last.value}\n${tail}`;
    }
  }
  const empty = !welcome && fields.length === 0 ? 'Nothing more this week: the digest showed everything.' : '';
  const description = welcome || empty;
  return guardLimits({
    content: '',
    embeds: [{ title, color: COLOR, ...(description ? { description } : {}), fields }],
  });
}
