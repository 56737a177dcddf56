import { buttonId, databaseOf, defineButton, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { WEBHOOK_EVENTS } from '../src/features/links/forumRules.js';
import { forumOfGuild } from '../src/features/links/forumStore.js';
import { type ConnectedForum, connectOwnForum, secretBoxOf } from '../src/features/links/forums.js';
import { connectForum } from '../src/features/links/service.js';
import { forumHost, isForumGuild } from '../src/platforms/discourse/ids.js';

/**
 * The form that takes a forum's address, API username and API key. A form, not command options:
 * options are typed in the channel's message bar in plain sight (screen shares, streams, someone
 * looking over a shoulder) and Discord keeps them with the command invocation, whereas a form's
 * fields go only to the bot. The member who opened it is in its id: nobody else can submit it.
 */
export const forumConnectForm = defineButton({
  id: 'forum-connect',
  access: 'moderator',
  async run(ctx) {
    if (ctx.arg !== ctx.member.id) return reply.ephemeral('This form was opened by someone else.');
    const fields = ctx.fields ?? {};
    const forum = await connectOwnForum(
      ctx.deps,
      ctx.guild.id,
      ctx.member.id,
      { url: fields.url ?? '', apiUsername: fields.username ?? '', apiKey: fields.key ?? '' },
      ctx.now,
    );
    return reply.ephemeral(connectedWords(forum));
  },
});

export function connectedWords(forum: ConnectedForum): string {
  if (forum.kind === 'update') {
    return [
      `The forum **${forum.title}** (${forum.host}) has its new settings: Convene uses them from now on.`,
      'The webhook secret has not changed; `/convene forum rotate-secret` makes a new one.',
    ].join('\n');
  }
  return [
    `This server and the forum **${forum.title}** (${forum.host}) are one community now.`,
    'One step is left, in the forum’s admin (Admin → API → Webhooks → New Webhook):',
    `• Payload URL: \`${forum.webhookUrl}\``,
    '• Content Type: application/json',
    `• Secret: \`${forum.secret}\``,
    `• Which events: ${WEBHOOK_EVENTS.slice(0, -1).join(', ')} (and ${WEBHOOK_EVENTS.at(-1)} if the Solved plugin is installed)`,
    'This secret is shown only this once and Convene stores it encrypted. Lost it? `/convene forum rotate-secret` makes a new one.',
  ].join('\n');
}

export default defineCommand({
  name: 'convene forum connect',
  description: 'Connect a Discourse forum to this server: one community',
  access: 'moderator',
  options: {},
  async run(ctx) {
    if (isForumGuild(ctx.guild.id)) throw new UserFacingError('Run /convene forum connect on Discord.');
    const own = await forumOfGuild(databaseOf(ctx.deps), ctx.guild.id);
    if (ctx.deps.config.discourse && !own) {
      // The single-forum shortcut: the forum comes from Convene's environment (DISCOURSE_URL…).
      const forum = await connectForum(ctx.deps, ctx.guild.id, ctx.member.id, ctx.now);
      return reply.ephemeral(
        [
          `This server and the forum (${forumHost(forum)}) are one community now.`,
          'Members can link their accounts with `/link discourse username:`; linked members share one journey and one expertise record, intros and the digest span both platforms.',
          '`/convene forum disconnect` undoes it.',
        ].join('\n'),
      );
    }
    // Refused before the form opens: nobody types a key that could not be stored encrypted.
    secretBoxOf(ctx.deps);
    return reply.modal(
      {
        id: buttonId(forumConnectForm, ctx.member.id),
        title: own ? 'New settings for your forum' : 'Connect a Discourse forum',
        fields: [
          {
            id: 'url',
            label: 'Forum address',
            style: 'short',
            required: true,
            maxLength: 200,
            placeholder: 'https://forum.example.org',
          },
          {
            id: 'username',
            label: 'API username (an admin of the forum)',
            style: 'short',
            required: true,
            maxLength: 60,
            placeholder: 'convene',
          },
          {
            id: 'key',
            label: 'API key (Admin → API → Keys)',
            style: 'short',
            required: true,
            minLength: 16,
            maxLength: 200,
          },
        ],
      },
      'Forums are connected on Discord: run `/convene forum connect` there.',
    );
  },
});
