import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { exportMember, privacyPolicyLine } from '../src/features/core/privacy.js';
import { features } from '../src/features/index.js';
import { getSettings } from '../src/guildSettings.js';
import { safeText } from '../src/text/fit.js';

export default defineCommand({
  name: 'privacy show',
  description: 'Everything Convene keeps about you, as a JSON file',
  access: 'member',
  options: {},
  async run(ctx) {
    const data = await exportMember(databaseOf(ctx.deps), features, ctx.guild.id, ctx.member.id);
    return reply.ephemeral({
      content: `Here is everything Convene keeps about you in ${safeText(ctx.guild.name, 100) || 'this server'}. Delete it any time with /privacy delete. ${privacyPolicyLine(getSettings(ctx.deps.db, ctx.guild.id).core)}`,
      attachments: [
        {
          name: 'convene-my-data.json',
          contentType: 'application/json',
          dataBase64: Buffer.from(JSON.stringify(data, null, 2)).toString('base64'),
        },
      ],
    });
  },
});
