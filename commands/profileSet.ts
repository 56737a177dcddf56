import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { transaction } from '../src/db/database.js';
import { asGuildId, asMemberId } from '../src/events.js';
import { counterpartOf } from '../src/features/intros/pairs.js';
import { declareProfile } from '../src/features/intros/service.js';
import { readProfileRow, writeMemberTimezone } from '../src/features/intros/store.js';
import { recordProfileSet } from '../src/features/journey/service.js';
import { isTimezone } from '../src/guildSettings.js';
import { safeText } from '../src/text/fit.js';

export default defineCommand({
  name: 'profile set',
  description: 'Tell intros what you are into (interests, timezone, a short about)',
  access: 'member',
  options: {
    interests: {
      type: 'string',
      description: 'Comma separated, e.g. "Vulkan shaders, Rust, game jams"',
      maxLength: 300,
    },
    timezone: { type: 'string', description: 'IANA timezone, e.g. Europe/Berlin', maxLength: 64 },
    about: { type: 'string', description: 'A sentence or two about you', maxLength: 300 },
  },
  async run(ctx) {
    const { interests, timezone, about } = ctx.options;
    if (interests === undefined && timezone === undefined && about === undefined) {
      throw new UserFacingError('Give at least one of interests, timezone or about.');
    }
    if (timezone !== undefined && timezone.trim() !== '' && !isTimezone(timezone.trim())) {
      throw new UserFacingError(
        `"${safeText(timezone, 64)}" is not a timezone I know: try one like Europe/Berlin or America/New_York.`,
      );
    }
    const db = databaseOf(ctx.deps);
    const current = (await readProfileRow(db, ctx.guild.id, ctx.member.id))?.declared;
    const list =
      interests === undefined
        ? [...(current?.interests ?? [])]
        : interests
            .split(',')
            .map((i) => i.trim())
            .filter((i) => i !== '')
            .slice(0, 16);
    const declared = {
      interests: list,
      about: about === undefined ? (current?.about ?? '') : about.trim(),
      timezone: timezone === undefined ? (current?.timezone ?? null) : timezone.trim() || null,
    };
    // One profile per person: a linked member's other account gets the same.
    const twin = await counterpartOf(db, ctx.guild.id, ctx.member.id);
    const accounts = [{ guildId: ctx.guild.id, memberId: ctx.member.id }, ...(twin ? [twin] : [])];
    await transaction(db, async (tx) => {
      for (const account of accounts) {
        await declareProfile(tx, asGuildId(account.guildId), asMemberId(account.memberId), declared, ctx.now);
        // A declared timezone is the member's, not only intros': quiet hours for nudges read it too.
        if (timezone !== undefined)
          await writeMemberTimezone(tx, account.guildId, account.memberId, timezone.trim() || null, ctx.now);
      }
    });
    // Setting a profile counts as introducing yourself on the journey.
    await recordProfileSet(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now, ctx.now);
    ctx.deps.wakeOutbox();
    return reply.ephemeral('Saved. /profile show shows what intros knows about you.');
  },
});
