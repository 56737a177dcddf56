import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { parseDuration } from '../src/config.js';
import { textAndForumChannels } from '../src/features/questions/communityStore.js';
import { changeSettings } from '../src/guildSettings.js';
import { safeText } from '../src/text/fit.js';

const MINUTE_MS = 60_000;

function minutes(text: string, what: string, min: number, max: number): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UserFacingError(`Write ${what} as a duration such as 4h, 90m or 2d.`);
  const m = Math.round(ms / MINUTE_MS);
  if (m < min || m > max) {
    throw new UserFacingError(`${what} must be between ${describe(min)} and ${describe(max)}.`);
  }
  return m;
}

function describe(m: number): string {
  if (m % (24 * 60) === 0) return `${m / (24 * 60)} d`;
  if (m % 60 === 0) return `${m / 60} h`;
  return `${m} min`;
}

/** "#help, <#123>, support" → channel ids; unknown names are the moderator's to fix. */
export function parseChannelList(text: string, known: readonly { channelId: string; name: string }[]): string[] {
  const ids: string[] = [];
  for (const raw of text.split(/[,\s]+/)) {
    const item = raw.trim();
    if (!item) continue;
    const mention = /^<#([^>\s]+)>$/.exec(item);
    if (mention) {
      ids.push(mention[1]!);
      continue;
    }
    const byId = known.find((c) => c.channelId === item);
    if (byId) {
      ids.push(byId.channelId);
      continue;
    }
    const name = item.replace(/^#/, '').toLowerCase();
    const byName = known.find((c) => c.name.toLowerCase() === name);
    if (!byName)
      throw new UserFacingError(`I don't know a channel called "${safeText(item, 60)}". Mention it like #help.`);
    ids.push(byName.channelId);
  }
  return [...new Set(ids)];
}

export default defineCommand({
  name: 'convene questions set',
  description: 'Where questions are watched, when peers are nudged and who gets the escalation',
  access: 'moderator',
  options: {
    channels: {
      type: 'string',
      description: 'Watch exactly these channels (e.g. "#help, #support"), or "auto" for forums and help-like channels',
      maxLength: 1000,
    },
    channel: { type: 'channel', description: 'One channel to turn on or off (with watch:)' },
    watch: { type: 'string', description: 'Watch that channel for questions, or never', choices: ['on', 'off'] },
    after: { type: 'string', description: 'Nudge peers after this long without a reply (default 4h)', maxLength: 10 },
    escalate: {
      type: 'string',
      description: 'Ping helpers/moderators after this long (default 24h)',
      maxLength: 10,
    },
    helpers: { type: 'role', description: 'The role the escalation pings' },
    moderators: { type: 'boolean', description: 'Escalate to the moderators instead of a helpers role' },
    enabled: { type: 'boolean', description: 'Question detection and nudges on or off for the server' },
  },
  async run(ctx) {
    const o = ctx.options;
    if ((o.channel === undefined) !== (o.watch === undefined)) {
      throw new UserFacingError('Use channel: and watch: together, e.g. channel:#help watch:on.');
    }
    const known = o.channels !== undefined ? await textAndForumChannels(databaseOf(ctx.deps), ctx.guild.id) : [];
    const settings = await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'questions.set',
      (s) => {
        let q = { ...s.questions, channels: { ...s.questions.channels } };
        if (o.channels !== undefined) {
          if (o.channels.trim().toLowerCase() === 'auto') q = { ...q, auto: true, channels: {} };
          else {
            const ids = parseChannelList(o.channels, known);
            if (ids.length === 0) throw new UserFacingError('List at least one channel, or write "auto".');
            q = { ...q, auto: false, channels: Object.fromEntries(ids.map((id) => [id, true])) };
          }
        }
        if (o.channel !== undefined && o.watch !== undefined) q.channels[o.channel] = o.watch === 'on';
        if (o.after !== undefined) q.afterMinutes = minutes(o.after, 'after', 10, 7 * 24 * 60);
        if (o.escalate !== undefined) q.escalateMinutes = minutes(o.escalate, 'escalate', 30, 30 * 24 * 60);
        if (q.escalateMinutes <= q.afterMinutes) {
          throw new UserFacingError(
            `escalate (${describe(q.escalateMinutes)}) must come after the nudge (${describe(q.afterMinutes)}).`,
          );
        }
        if (o.helpers !== undefined) q.helpersRoleId = o.helpers;
        if (o.moderators === true) q.helpersRoleId = null;
        if (o.enabled !== undefined) q.enabled = o.enabled;
        return { ...s, questions: q };
      },
      ctx.now,
    );
    const q = settings.questions;
    const on = Object.entries(q.channels)
      .filter(([, v]) => v)
      .map(([id]) => `<#${id}>`);
    const off = Object.entries(q.channels)
      .filter(([, v]) => !v)
      .map(([id]) => `<#${id}>`);
    const watched = [q.auto ? 'forum channels and help/support/question channels' : '', ...on].filter(Boolean);
    const lines = q.enabled
      ? [
          `Watching for questions in: ${watched.length > 0 ? watched.join(', ') : 'no channel yet'}.`,
          ...(off.length > 0 ? [`Never in: ${off.join(', ')}.`] : []),
          `Unanswered after ${describe(q.afterMinutes)}: one nudge to up to 2 peers who are likely to know.`,
          q.helpersRoleId
            ? `Still open after ${describe(q.escalateMinutes)}: one ping to <@&${q.helpersRoleId}> in the question's thread.`
            : `Still open after ${describe(q.escalateMinutes)}: the moderators get one private summary per scan listing such questions (\`helpers:\` sends them to a role instead).`,
        ]
      : ['Question detection and nudges are off for this server. `enabled:true` turns them back on.'];
    return reply.ephemeral(lines.join('\n'));
  },
});
