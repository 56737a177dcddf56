import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { readForumUrls } from '../src/features/links/knownForums.js';
import { unansweredAcross } from '../src/features/questions/service.js';
import { link } from '../src/text/fit.js';

const HOUR_MS = 3_600_000;

/** Written out as the nudges write it ("39 hours", not "39 h"). */
function age(ms: number): string {
  const hours = Math.max(1, Math.round(ms / HOUR_MS));
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.round(hours / 24)} days`;
}

export default defineCommand({
  name: 'unanswered',
  description: 'Open questions you are likely able to answer',
  access: 'member',
  options: {},
  slow: true,
  async run(ctx) {
    const list = await unansweredAcross(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now, 5, {
      forumUrls: await readForumUrls(databaseOf(ctx.deps), ctx.deps.config),
    });
    if (list.length === 0) {
      return reply.ephemeral(
        'Every recent question has a reply. Nothing is waiting for help right now. Thank you for looking!',
      );
    }
    const lines = list.map((q) => {
      // Member-written: shown as text (markup escaped, no ping), a masked link when there is a link.
      return `• ${link(q.title, q.url ?? undefined, 80)}${q.elsewhere ? ` (${q.elsewhere})` : ''} — waiting ${age(ctx.now - q.askedAt)}${q.why ? ` · ${q.why}` : ''}`;
    });
    return reply.ephemeral(
      [
        // Only a list with a reason (what they answered, whom, where) can claim to suit them; without one
        // it is the oldest waiting, and says so.
        list.some((q) => q.why)
          ? 'Questions waiting for a reply that suit you best:'
          : 'Questions waiting longest for a reply:',
        ...lines,
        '-# A first reply, even a partial one, helps.',
      ].join('\n'),
    );
  },
});
