import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { privacyPolicyLine } from '../src/features/core/privacy.js';
import { changeSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'convene privacy set',
  description: 'Forget members who leave; how long sent messages keep their text',
  access: 'moderator',
  options: {
    forget_on_leave: {
      type: 'boolean',
      description: 'Erase a member’s data when they leave, as /privacy delete does',
    },
    sent_text_days: {
      type: 'integer',
      description: 'Days a message Convene sent keeps its text in the database (0: drop it once sent)',
      min: 0,
      max: 365,
    },
  },
  async run(ctx) {
    const { forget_on_leave: forget, sent_text_days: days } = ctx.options;
    if (forget === undefined && days === undefined) {
      throw new UserFacingError('Give forget_on_leave, sent_text_days or both.');
    }
    const { core } = await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'core.privacy',
      (s) => ({
        ...s,
        core: {
          ...s.core,
          ...(forget === undefined ? {} : { forgetOnLeave: forget }),
          ...(days === undefined ? {} : { sentRetentionDays: days }),
        },
      }),
      ctx.now,
    );
    return reply.ephemeral(`Saved. ${privacyPolicyLine(core)}`);
  },
});
