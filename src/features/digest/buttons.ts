/** The pulse at the end of every digest: two answer buttons and a "Tell the moderators…" form. */
import { buttonId, databaseOf, defineButton, reply } from '../../commands.js';
import { readSettings } from '../../guildSettings.js';
import { dateInIsoWeek } from './calendar.js';
import { LISTS_BUTTON, NOTE_BUTTON, PULSE_BUTTON } from './compose.js';
import { NOTE_MAX, recordNote, recordPulse } from './pulseStore.js';
import { digestSources } from './registry.js';
import { currentTarget, digestLists, scheduledTarget } from './service.js';

const validPeriod = (period: string) => dateInIsoWeek(period, 1) !== null;

export const pulseButton = defineButton({
  id: PULSE_BUTTON,
  access: 'member',
  async run(ctx) {
    const [period = '', answer] = ctx.arg.split(':');
    if (!validPeriod(period) || (answer !== 'yes' && answer !== 'no')) {
      return reply.ephemeral('This button is from an old version of the digest: nothing was recorded.');
    }
    const outcome = await recordPulse(databaseOf(ctx.deps), ctx.guild.id, period, ctx.member.id, answer, ctx.now);
    if (outcome === 'same') return reply.ephemeral('Already counted. Thank you!');
    const thanks =
      answer === 'yes'
        ? 'Glad this week helped. Thank you for saying so!'
        : 'Thank you for saying so: the moderators will see it and can do better.';
    const changed = outcome === 'changed' ? ' (Your earlier answer is replaced: it counts once.)' : '';
    return reply.ephemeral(`${thanks}${changed} Answers are anonymous.`);
  },
});

export const noteButton = defineButton({
  id: NOTE_BUTTON,
  access: 'member',
  async run(ctx) {
    const period = validPeriod(ctx.arg)
      ? ctx.arg
      : currentTarget(await readSettings(databaseOf(ctx.deps), ctx.guild.id), ctx.now).period;
    const text = ctx.fields?.text?.trim();
    if (ctx.fields) {
      if (!text) return reply.ephemeral('Nothing to send: the note was empty.');
      await recordNote(databaseOf(ctx.deps), ctx.guild.id, period, ctx.member.id, text, ctx.now);
      return reply.ephemeral(
        'Thank you. The moderators will read it in their next digest preview, without your name. Writing again replaces this note.',
      );
    }
    return reply.modal(
      {
        id: buttonId(NOTE_BUTTON, period),
        title: 'Tell the moderators',
        fields: [
          {
            id: 'text',
            label: 'What should the moderators know?',
            style: 'paragraph',
            required: true,
            maxLength: NOTE_MAX,
            placeholder: 'Anonymous: the moderators see the words, not who wrote them.',
          },
        ],
      },
      'Write to the moderators with /digest tell: they see the words, not who wrote them.',
    );
  },
});

/** "Full lists": the digest shows a handful of each list; this answers the clicker with all of them. */
export const listsButton = defineButton({
  id: LISTS_BUTTON,
  access: 'member',
  async run(ctx) {
    const settings = await readSettings(databaseOf(ctx.deps), ctx.guild.id);
    // "2026-12-03": the seven days before that day, as the digest showed them; "2026-W49": that week's schedule.
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ctx.arg);
    const valid = day && Number(day[2]) >= 1 && Number(day[2]) <= 12 && Number(day[3]) >= 1 && Number(day[3]) <= 31;
    const target = valid
      ? { endDate: { year: Number(day![1]), month: Number(day![2]), day: Number(day![3]) }, period: ctx.arg }
      : validPeriod(ctx.arg)
        ? (scheduledTarget(settings, ctx.arg) ?? currentTarget(settings, ctx.now))
        : null;
    if (!target) return reply.ephemeral('This button is from an old version of the digest.');
    return reply.ephemeral(await digestLists(ctx.deps, ctx.guild.id, target, ctx.now, await digestSources()));
  },
});

export const digestButtons = [pulseButton, noteButton, listsButton];
