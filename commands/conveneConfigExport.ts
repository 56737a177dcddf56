import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { readSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'convene config export',
  description: 'This server’s whole Convene configuration, as a JSON file',
  access: 'moderator',
  options: {},
  async run(ctx) {
    const settings = await readSettings(databaseOf(ctx.deps), ctx.guild.id);
    return reply.ephemeral({
      content: 'Here is the whole configuration. Edit it and bring it back with `/convene config import`.',
      attachments: [
        {
          name: `convene-config-${ctx.guild.id}.json`,
          contentType: 'application/json',
          dataBase64: Buffer.from(`${JSON.stringify(settings, null, 2)}\n`).toString('base64'),
        },
      ],
    });
  },
});
