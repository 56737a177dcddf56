/**
 * The digest of the urho3d forum's busiest week (test/helpers/busyWeek.ts: hundreds of newcomers,
 * dozens of waiting questions, real names and titles) fits one screen: counts first, a handful of
 * names, the rest behind "Full lists". CONVENE_PRINT=1 prints both and writes the chart to /tmp.
 */
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import digestListsCommand from '../../../commands/digestLists.js';
import { type CommandDefinition, runButton, runCommand } from '../../../src/commands.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import { digestAsText, SCREEN, screenSize } from '../../../src/features/digest/budget.js';
import { listsButton } from '../../../src/features/digest/buttons.js';
import { LISTS_BUTTON, SHOWN } from '../../../src/features/digest/compose.js';
import { digestSources } from '../../../src/features/digest/registry.js';
import { type BuiltDigest, buildDigest, currentTarget } from '../../../src/features/digest/service.js';
import { changeSettings, readSettings } from '../../../src/guildSettings.js';
import { renderBody } from '../../../src/platforms/discourse/render.js';
import { limitViolation } from '../../../src/text/fit.js';
import { type BusyWeek, replayBusyWeek } from '../../helpers/busyWeek.js';

const HOUR = 3_600_000;
let w: BusyWeek;
let built: BuiltDigest;

beforeAll(async () => {
  w = await replayBusyWeek();
  const settings = await readSettings(sqliteDatabase(w.deps.db), w.guildId);
  // As the forum would set it up: its why and three goals (each adds a line).
  await changeSettings(
    sqliteDatabase(w.deps.db),
    w.guildId,
    'system',
    'test',
    () => ({
      ...settings,
      core: { ...settings.core, why: 'We help each other build games and apps with Urho3D.' },
      digest: {
        ...settings.digest,
        channelId: 'category-10',
        goals: [
          { metric: 'first-response', target: 6 * HOUR },
          { metric: 'peer-answered', target: 0.7 },
          { metric: 'retention', target: 0.3 },
        ],
      },
    }),
    w.now,
  );
  built = await buildDigest(w.deps, w.guildId, currentTarget(settings, w.now), w.now, await digestSources());
  if (process.env.CONVENE_PRINT) {
    console.log(digestAsText(built.body), screenSize(built.body));
    const png = built.body.attachments?.[0];
    if (png) writeFileSync('/tmp/busy-week-chart.png', Buffer.from(png.dataBase64, 'base64'));
  }
}, 120_000);

describe('the digest of the busiest week of the urho3d forum', () => {
  it('GIVEN hundreds of newcomers and dozens of waiting questions THEN the digest fits one screen', () => {
    expect(w.newcomers.length).toBeGreaterThan(200);
    expect(built.data.waitingQuestions.total).toBeGreaterThan(24);
    const size = screenSize(built.body);
    expect(size.lines).toBeLessThanOrEqual(SCREEN.lines);
    expect(size.chars).toBeLessThanOrEqual(SCREEN.chars);
    expect(limitViolation(built.body)).toBeNull();
  });

  it('GIVEN hundreds of newcomers THEN it opens with their count and names a handful, never a wall of names', () => {
    const description = built.body.embeds?.[0]?.description ?? '';
    const welcome = description.split('\n').find((l) => l.includes('Welcome')) ?? '';
    expect(welcome).toContain(`${w.newcomers.length} new members`);
    const named = w.newcomers.filter((n) => welcome.includes(n.replace(/_/g, '\\_')));
    expect(named.length).toBeGreaterThan(0);
    expect(named.length).toBeLessThanOrEqual(SHOWN.newMembers);
    expect(welcome).toContain(`and ${w.newcomers.length - named.length} more`);
    const waiting = built.body.embeds?.[0]?.fields?.find((f) => f.name.includes('waiting'));
    expect(waiting?.name).toContain(`${built.data.waitingQuestions.total} questions`);
    expect(waiting?.value.split('\n').length).toBeLessThanOrEqual(SHOWN.waiting + 1);
  });

  it('GIVEN a list longer than the digest shows THEN "Full lists" answers the clicker, privately, with every newcomer', async () => {
    const button = built.body.buttons?.find((b) => b.label === 'Full lists');
    expect(button?.id).toMatch(new RegExp(`^${LISTS_BUTTON}:`));
    const reply = await runButton(listsButton, {
      platform: 'discourse',
      guild: { id: w.guildId, name: 'Urho3D forum' },
      member: { id: asMemberId('2'), displayName: 'reader', moderator: false },
      channelId: null,
      arg: button!.id.slice(LISTS_BUTTON.length + 1),
      deps: w.deps,
      now: w.now + HOUR,
    });
    expect(reply.kind).toBe('message');
    if (reply.kind !== 'message') return;
    expect(reply.ephemeral).toBe(true);
    expect(limitViolation(reply.body)).toBeNull();
    const text = digestAsText(reply.body);
    if (process.env.CONVENE_PRINT) console.log(text, screenSize(reply.body));
    for (const name of w.newcomers) expect(text).toContain(name.replace(/_/g, '\\_'));
    // More of the waiting questions than the digest shows, each with its title.
    const listed = built.data.waitingQuestions.items.filter((q) => text.includes(q.title));
    expect(listed.length).toBeGreaterThan(3 * SHOWN.waiting);
  });

  it('GIVEN the forum copy (no buttons there) THEN it says how to get the full lists as a forum command, with forum links', async () => {
    const post = renderBody(built.body, {
      baseUrl: 'https://discourse.urho3d.io',
      usernameOf: () => undefined,
      groupNameOf: () => undefined,
      botUsername: 'convene',
      commands: ['digest lists', 'digest tell'],
    });
    if (process.env.CONVENE_PRINT) console.log(post);
    expect(post).toContain('`@convene digest lists`');
    expect(post).toContain('[To rbfx and not to rbfx](https://discourse.urho3d.io/t/5864)');
    expect(post).not.toContain('discord.com');
    // No buttons on the forum: the footer does not point "below" at them.
    expect(post).not.toContain('Tell us below');
    expect(post).toContain('Tell the moderators with `@convene digest tell`');
    const reply = await runCommand(digestListsCommand as CommandDefinition, {
      platform: 'discourse',
      guild: { id: w.guildId, name: 'Urho3D forum' },
      member: { id: asMemberId('2'), displayName: 'reader', moderator: false },
      channelId: null,
      options: {},
      deps: w.deps,
      now: w.now + HOUR,
    });
    expect(reply.kind === 'message' && reply.ephemeral).toBe(true);
    const text = reply.kind === 'message' ? digestAsText(reply.body) : '';
    expect(text).toContain(`👋 **${w.newcomers.length} new members**`);
  });
});
