/** The personal weekly DM (/digest me on) as a message (pure). */
import type { EmbedField, MessageBody } from '../../actions.js';
import { fitList, LIMITS, link, safeText } from '../../text/fit.js';
import { plural } from '../../text/plural.js';
import { andMore, Budget, COLOR, guardLimits, TOTAL_BUDGET } from './message.js';

export interface PersonalData {
  guildName: string;
  windowLabel: string;
  memberName: string;
  messages: number;
  repliedTo: number;
  questionsYouCouldAnswer: { title: string; url?: string }[];
  peopleToMeet: { name: string; why: string }[];
  journey: { stage: string; next?: string } | null;
}

/** True when there is anything worth a DM (restraint: no "nothing happened" messages). */
export const personalHasContent = (d: PersonalData): boolean =>
  d.questionsYouCouldAnswer.length > 0 || d.peopleToMeet.length > 0 || d.journey !== null || d.messages > 0;

export function composePersonal(d: PersonalData): MessageBody {
  const budget = new Budget(TOTAL_BUDGET);
  const title = `Your week in ${safeText(d.guildName, 100) || 'the community'}`;
  const footer = 'You get this because you ran /digest me on. Stop any time with /digest me off.';
  budget.charge(title, footer);
  const fields: EmbedField[] = [];
  const add = (name: string, value: string) => {
    if (!value) return;
    fields.push({ name, value });
    budget.charge(name, value);
  };
  const yours =
    d.messages > 0
      ? `You wrote ${plural(d.messages, 'message')}${d.repliedTo > 0 ? ` and replied to ${plural(d.repliedTo, 'person', 'people')}` : ''}. Thank you!`
      : '';
  budget.charge(yours);
  if (d.journey) {
    add(
      '🧭 Your journey',
      `${safeText(d.journey.stage, 80)}${d.journey.next ? ` — next: ${safeText(d.journey.next, 200)}` : ''}`,
    );
  }
  add(
    '🙋 Questions you could answer',
    fitList(
      d.questionsYouCouldAnswer.map((q) => `• ${link(q.title, q.url, 80)}`),
      Math.min(LIMITS.fieldValue, Math.floor(budget.left / 2)),
      andMore,
    ),
  );
  add(
    '🤝 People you might like to meet',
    fitList(
      d.peopleToMeet.map((p) => `• **${safeText(p.name, 40)}** — ${safeText(p.why, 150)}`),
      Math.min(LIMITS.fieldValue, budget.left - 40),
      andMore,
    ),
  );
  return guardLimits({
    content: `📬 **Your weekly digest · ${safeText(d.windowLabel, 60)}**`,
    embeds: [
      {
        title,
        color: COLOR,
        ...(yours ? { description: yours } : {}),
        fields,
        footer,
      },
    ],
  });
}
