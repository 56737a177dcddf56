import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { quiet } from '../src/features/intros/reasons.js';
import { consentingMembers } from '../src/features/intros/service.js';
import { memberNames, readProfileRow } from '../src/features/intros/store.js';
import { safeText } from '../src/text/fit.js';

export default defineCommand({
  name: 'profile show',
  description: 'What intros knows about you (or about a member in intros)',
  access: 'member',
  options: { member: { type: 'member', description: 'Someone in intros (default: you)' } },
  async run(ctx) {
    const target = ctx.options.member ?? ctx.member.id;
    const self = target === ctx.member.id;
    // Someone else's profile is shown only while they are in intros (they chose to be visible).
    const db = databaseOf(ctx.deps);
    if (!self && !(await consentingMembers(db, ctx.guild.id, [target])).has(target)) {
      return reply.ephemeral('That member is not in intros, so there is no profile to show.');
    }
    const row = await readProfileRow(db, ctx.guild.id, target);
    const name = self ? 'You' : quiet((await memberNames(db, ctx.guild.id, [target])).get(target) ?? 'They');
    const lines: string[] = [];
    const d = row?.declared;
    lines.push(`**Interests:** ${d?.interests.length ? d.interests.map(quiet).join(', ') : '—'}`);
    lines.push(`**Timezone:** ${d?.timezone ? safeText(d.timezone, 64) : '—'}`);
    if (d?.about) lines.push(`**About:** ${safeText(d.about, 300)}`);
    // Their strongest terms, in their own words; terms with no word worth showing (a stem, a name,
    // a word everyone here uses) are left out (profile.ts forms).
    const words = new Map(row?.derived?.forms ?? []);
    const topics = (row?.derived?.terms ?? [])
      .slice()
      .sort((x, y) => y[1] - x[1])
      .flatMap(([t]) => (words.has(t) ? [words.get(t)!] : []))
      .slice(0, 8);
    if (topics.length > 0) lines.push(`**Talks about:** ${topics.map(quiet).join(', ')}`);
    if (self) {
      lines.push(
        topics.length > 0
          ? '_Topics come from your messages (words, not the text). /profile set changes what you declared; /privacy delete erases it all._'
          : '_Nothing derived yet: topics appear after you have talked a little. /profile set changes what you declared._',
      );
    }
    const header = self ? 'Your intros profile' : `${name}'s intros profile`;
    return reply.ephemeral([`**${header}**`, ...lines].join('\n'));
  },
});
