import { describe, expect, it } from 'vitest';
import conveneDigestOff from '../../../commands/conveneDigestOff.js';
import conveneDigestPostNow from '../../../commands/conveneDigestPostNow.js';
import conveneDigestPreview from '../../../commands/conveneDigestPreview.js';
import conveneDigestSet from '../../../commands/conveneDigestSet.js';
import conveneGoalsRemove from '../../../commands/conveneGoalsRemove.js';
import conveneGoalsSet from '../../../commands/conveneGoalsSet.js';
import conveneGoalsShow from '../../../commands/conveneGoalsShow.js';
import conveneWhySet from '../../../commands/conveneWhySet.js';
import digestMeOff from '../../../commands/digestMeOff.js';
import digestMeOn from '../../../commands/digestMeOn.js';
import digestTell from '../../../commands/digestTell.js';
import {
  type ButtonDefinition,
  type CommandDefinition,
  MODERATOR_ONLY,
  type Reply,
  runButton,
  runCommand,
} from '../../../src/commands.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { asChannelId, asMemberId } from '../../../src/events.js';
import { noteButton, pulseButton } from '../../../src/features/digest/buttons.js';
import { digestFeature } from '../../../src/features/digest/feature.js';
import { pulseOf, subscribers } from '../../../src/features/digest/pulseStore.js';
import { features } from '../../../src/features/index.js';
import { readSettings } from '../../../src/guildSettings.js';
import { buildWeek, END, HOUR, makeDeps, makeGuild } from './world.js';

const NOW = END + 9 * HOUR; // Monday 9 March 2026, 09:00 UTC

function setup() {
  const g = makeGuild('g1', 'Rust Gamedev');
  buildWeek(g);
  const deps = makeDeps(g.db);
  const context = (member: string, moderator: boolean) => ({
    platform: 'discord' as const,
    guild: { id: g.guildId, name: 'Rust Gamedev' },
    member: { id: asMemberId(member), displayName: member, moderator },
    channelId: asChannelId('general'),
    deps,
    now: NOW,
  });
  const run = (
    // biome-ignore lint/suspicious/noExplicitAny: each command has its own option types
    def: CommandDefinition<any>,
    options: Record<string, unknown> = {},
    member = 'carol',
    moderator = true,
  ) => runCommand(def as CommandDefinition, { ...context(member, moderator), options: options as never });
  const click = (def: ButtonDefinition, arg: string, member = 'bob', fields?: Record<string, string>) =>
    runButton(def, { ...context(member, false), arg, ...(fields ? { fields } : {}) });
  return { g, deps, run, click };
}

const textOf = (r: Reply) => (r.kind === 'modal' ? r.modal.title : r.body.content);

describe('/convene digest set, off', () => {
  it('GIVEN a member without Manage Server THEN the moderator commands refuse', async () => {
    const { run } = setup();
    for (const def of [
      conveneDigestSet,
      conveneDigestPreview,
      conveneDigestPostNow,
      conveneDigestOff,
      conveneGoalsSet,
      conveneWhySet,
    ]) {
      expect(textOf(await run(def, { channel: 'general' }, 'bob', false))).toBe(MODERATOR_ONLY);
    }
  });

  it.each([
    [{ channel: 'general', time: '9am' }, /HH:MM/],
    [{ channel: 'general', timezone: 'Mars/Olympus' }, /not a timezone/],
    [{ day: 'friday' }, /Choose a channel/],
  ])('GIVEN %o THEN it explains what to fix', async (options, message) => {
    const { run, g } = setup();
    expect(textOf(await run(conveneDigestSet, options))).toMatch(message);
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).digest.channelId).toBeNull();
  });

  it('GIVEN a channel THEN the digest is on for Monday 09:00 from now, and the reply says when', async () => {
    const { run, g } = setup();
    const reply = await run(conveneDigestSet, { channel: 'general' });
    expect(reply).toMatchObject({ kind: 'message', ephemeral: true });
    expect(textOf(reply)).toBe(
      'The weekly digest goes to <#general> every Monday at 09:00 (UTC); next on Mon 16 Mar. See it first with /convene digest preview.',
    );
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).digest).toMatchObject({
      channelId: 'general',
      day: 'monday',
      time: '09:00',
      scheduledSince: NOW,
    });
    await run(conveneDigestSet, { day: 'friday', time: '7:30', timezone: 'Europe/Berlin' });
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).digest).toMatchObject({
      day: 'friday',
      time: '07:30',
      timezone: 'Europe/Berlin',
    });
  });

  it('GIVEN the digest is on THEN off stops it', async () => {
    const { run, g, deps } = setup();
    await run(conveneDigestSet, { channel: 'general' });
    expect(textOf(await run(conveneDigestOff))).toMatch(/off/);
    const schedule = digestFeature.jobs[0]!.schedule;
    expect(schedule.kind === 'guild' && (await schedule.scheduleFor(deps, g.guildId))).toBeNull();
  });
});

describe('/convene digest preview and post-now', () => {
  it('GIVEN a moderator THEN preview is an ephemeral digest with its chart, and post-now queues the post', async () => {
    const { run, g } = setup();
    await run(conveneDigestSet, { channel: 'general' });
    const preview = await run(conveneDigestPreview);
    expect(preview).toMatchObject({ kind: 'message', ephemeral: true });
    if (preview.kind !== 'message') return;
    expect(preview.body.content).toMatch(/^Preview: only you can see this\./);
    expect(preview.body.attachments?.[0]?.contentType).toBe('image/png');
    expect(g.outbox()).toEqual([]);
    expect(textOf(await run(conveneDigestPostNow))).toMatch(
      /Posting an extra digest in <#general>|Posting the digest in <#general>/,
    );
    expect(g.outbox()).toHaveLength(1);
  });
});

describe('/convene why and goals', () => {
  it('GIVEN a purpose THEN it is saved for the digest, and "-" clears it', async () => {
    const { run, g } = setup();
    await run(conveneWhySet, { text: '  We help each other   ship games. ' });
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).core.why).toBe('We help each other ship games.');
    await run(conveneWhySet, { text: '-' });
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).core.why).toBe('');
  });

  it('GIVEN goals set, shown and removed THEN settings follow and mistakes are explained', async () => {
    const { run, g } = setup();
    expect(textOf(await run(conveneGoalsSet, { metric: 'first-response', target: 'fast' }))).toMatch(
      /write it like 2h or 90m/,
    );
    expect(textOf(await run(conveneGoalsSet, { metric: 'first-response', target: '2h' }))).toMatch(
      /Median time to first response\*\* ≤ 2 h/,
    );
    await run(conveneGoalsSet, { metric: 'peer-answered', target: '70%' });
    await run(conveneGoalsSet, { metric: 'peer-answered', target: '80%' });
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).digest.goals.map((x) => [x.metric, x.target])).toEqual(
      [
        ['first-response', 2 * HOUR],
        ['peer-answered', 0.8],
      ],
    );
    expect(textOf(await run(conveneGoalsShow))).toMatch(/Peer-answered questions\*\*: — · target ≥ 80%/);
    await run(conveneGoalsRemove, { metric: 'first-response' });
    expect((await readSettings(sqliteDatabase(g.db), g.guildId)).digest.goals.map((x) => x.metric)).toEqual([
      'peer-answered',
    ]);
    expect(textOf(await run(conveneGoalsRemove, { metric: 'retention' }))).toMatch(/There is no goal/);
  });

  it('GIVEN a digest was previewed THEN goals show reads its stored weeks', async () => {
    const { run } = setup();
    await run(conveneGoalsSet, { metric: 'retention', target: '30%' });
    await run(conveneDigestPreview);
    expect(textOf(await run(conveneGoalsShow))).toMatch(
      /4-week retention\*\*: 50% · target ≥ 30% · `[^`]{8}` · ✅ on track/,
    );
  });
});

describe('members: /digest me, the pulse and notes', () => {
  it('GIVEN /digest me on then off THEN the member is subscribed, then not', async () => {
    const { run, g } = setup();
    expect(textOf(await run(digestMeOn, {}, 'bob', false))).toMatch(/off in this server right now/);
    expect(await subscribers(sqliteDatabase(g.db), g.guildId)).toEqual(['bob']);
    expect(textOf(await run(digestMeOff, {}, 'bob', false))).toMatch(/no more personal digests/);
    expect(await subscribers(sqliteDatabase(g.db), g.guildId)).toEqual([]);
  });

  it('GIVEN pulse clicks THEN each member counts once per digest', async () => {
    const { click, g } = setup();
    await click(pulseButton, '2026-W11:yes', 'bob');
    expect(textOf(await click(pulseButton, '2026-W11:yes', 'bob'))).toMatch(/Already counted/);
    await click(pulseButton, '2026-W11:no', 'alice');
    expect(textOf(await click(pulseButton, 'nonsense', 'alice'))).toMatch(/nothing was recorded/);
    expect(await pulseOf(sqliteDatabase(g.db), g.guildId, '2026-W11')).toMatchObject({ helped: 1, notReally: 1 });
  });

  it('GIVEN "Tell the moderators…" THEN a form opens, and what is submitted reaches the next preview', async () => {
    const { click, g } = setup();
    const opened = await click(noteButton, '2026-W11', 'bob');
    expect(opened).toMatchObject({
      kind: 'modal',
      modal: { id: 'digest-note:2026-W11', fields: [{ id: 'text', style: 'paragraph', required: true }] },
    });
    expect(opened.body.content).toMatch(/\/digest tell/);
    await click(noteButton, '2026-W11', 'bob', { text: 'More beginner threads please' });
    expect((await pulseOf(sqliteDatabase(g.db), g.guildId, '2026-W11')).notes.map((n) => n.text)).toEqual([
      'More beginner threads please',
    ]);
  });

  it('GIVEN /digest tell THEN the note is kept for this week, anonymously', async () => {
    const { run, g } = setup();
    await run(digestTell, { text: 'Thanks for the game jam!' }, 'alice', false);
    expect((await pulseOf(sqliteDatabase(g.db), g.guildId, '2026-W11')).notes.map((n) => n.text)).toEqual([
      'Thanks for the game jam!',
    ]);
  });
});

describe('registration', () => {
  it('GIVEN the feature list THEN the digest is in it with its job, commands, buttons and privacy', () => {
    expect(features).toContain(digestFeature);
    expect(digestFeature.jobs.map((j) => j.name)).toEqual(['digest.weekly']);
    expect(digestFeature.commands.map((c) => c.name)).toEqual([
      'convene digest set',
      'convene digest preview',
      'convene digest post-now',
      'convene digest off',
      'digest me on',
      'digest me off',
      'digest tell',
      'digest lists',
      'convene why set',
      'convene goals set',
      'convene goals show',
      'convene goals remove',
    ]);
    expect(digestFeature.buttons.map((b) => b.id)).toEqual(['digest-pulse', 'digest-note', 'digest-lists']);
    expect(digestFeature.privacy).toBeDefined();
  });
});
