/**
 * Buttons of intros. Their argument carries the guild ("<guild>:<intro>…") because Accept, Decline
 * and the follow-up are pressed in DMs, where the platform has no guild to give. The pressing
 * member is checked against the intro every time.
 */
import { databaseOf, defineButton, reply } from '../../commands.js';
import { asGuildId, asMemberId } from '../../events.js';
import { quiet } from './reasons.js';
import { acceptIntro, BUTTONS, declineIntro, giveFeedback, join, requestIntro } from './service.js';
import { platformOf } from './store.js';

const split2 = (arg: string) => {
  const i = arg.indexOf(':');
  return i < 0 ? ['', arg] : [arg.slice(0, i), arg.slice(i + 1)];
};

/** On a /meet suggestion: ask the other member (arg: the other member's id). */
export const introduceButton = defineButton({
  id: BUTTONS.introduce,
  access: 'member',
  async run(ctx) {
    const r = await requestIntro(
      databaseOf(ctx.deps),
      ctx.platform,
      ctx.guild.id,
      ctx.member.id,
      asMemberId(ctx.arg),
      ctx.now,
    );
    ctx.deps.wakeOutbox();
    // Someone on the other platform of a paired community is told about the asker directly.
    if (r.where !== undefined)
      return reply.ephemeral(
        r.already
          ? `I already told ${quiet(r.otherName)} about you. They are ${r.where}: say hello there.`
          : `I have sent ${quiet(r.otherName)} a private message with your name. They are ${r.where}: say hello there too.`,
      );
    return reply.ephemeral(
      r.already
        ? `You already asked ${quiet(r.otherName)}: I will let you know if they say yes.`
        : `I have asked ${quiet(r.otherName)}. If they say yes, I will open a thread for you both.`,
    );
  },
});

export const acceptButton = defineButton({
  id: BUTTONS.accept,
  access: 'member',
  async run(ctx) {
    const [guild, introId] = split2(ctx.arg);
    const guildId = asGuildId(guild || ctx.guild.id);
    const db = databaseOf(ctx.deps);
    const outcome = await acceptIntro(db, await platformOf(db, guildId), guildId, introId!, ctx.member.id, ctx.now);
    ctx.deps.wakeOutbox();
    const text = {
      made: 'Wonderful — I am introducing you now. Have a good conversation!',
      already: 'Already done: you have been introduced.',
      declined: 'You declined this one earlier; nothing was sent.',
      gone: 'They are no longer taking intros, so I will not connect you this time.',
    }[outcome];
    return reply.update({ content: text });
  },
});

export const declineButton = defineButton({
  id: BUTTONS.decline,
  access: 'member',
  async run(ctx) {
    const [guild, introId] = split2(ctx.arg);
    const guildId = asGuildId(guild || ctx.guild.id);
    const db = databaseOf(ctx.deps);
    await declineIntro(db, await platformOf(db, guildId), guildId, introId!, ctx.member.id, ctx.now);
    ctx.deps.wakeOutbox();
    return reply.update({ content: 'No problem. They will only hear "not this time", nothing more.' });
  },
});

const ANSWERS = { met: 'met', not_yet: 'not_yet', skip: 'skip' } as const;

export const feedbackButton = defineButton({
  id: BUTTONS.feedback,
  access: 'member',
  async run(ctx) {
    const [guild, rest = ''] = split2(ctx.arg);
    const cut = rest.lastIndexOf(':');
    const introId = rest.slice(0, cut);
    const answer = ANSWERS[rest.slice(cut + 1) as keyof typeof ANSWERS];
    if (!answer || !introId) return reply.ephemeral('This button is from an old message: nothing was recorded.');
    await giveFeedback(databaseOf(ctx.deps), asGuildId(guild || ctx.guild.id), introId, ctx.member.id, answer, ctx.now);
    const text = {
      met: 'Lovely — thank you! That helps the next intros fit better.',
      not_yet: 'Thanks for telling me. There is no rush.',
      skip: 'Done: you will sit out the next round and be back in the one after.',
    }[answer];
    return reply.update({ content: text });
  },
});

/** On a moderator's "join intros" post (arg: the guild id). */
export const joinButton = defineButton({
  id: BUTTONS.join,
  access: 'member',
  async run(ctx) {
    const outcome = await join(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now);
    return reply.ephemeral(
      outcome === 'joined'
        ? 'You are in! You will be part of the next round. /profile set helps me find good matches; /intros leave takes you out any time.'
        : 'You are already in intros. /intros status shows when the next round is.',
    );
  },
});

export const introsButtons = [introduceButton, acceptButton, declineButton, feedbackButton, joinButton];
