import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import conveneConfigExport from '../../../commands/conveneConfigExport.js';
import conveneConfigImport from '../../../commands/conveneConfigImport.js';
import conveneJourneySetRole from '../../../commands/conveneJourneySetRole.js';
import conveneJourneyShow from '../../../commands/conveneJourneyShow.js';
import conveneJourneySilent from '../../../commands/conveneJourneySilent.js';
import conveneWelcomeSet from '../../../commands/conveneWelcomeSet.js';
import conveneWelcomeTest from '../../../commands/conveneWelcomeTest.js';
import journey, { NOT_YOUR_JOURNEY } from '../../../commands/journey.js';
import {
  type CommandContext,
  type CommandDefinition,
  MODERATOR_ONLY,
  type Reply,
  runCommand,
} from '../../../src/commands.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { auditLog } from '../../../src/db/schema.js';
import { asMemberId } from '../../../src/events.js';
import { readSettings } from '../../../src/guildSettings.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

type World = Awaited<ReturnType<typeof makeCommunity>>;

function run(
  w: World,
  // biome-ignore lint/suspicious/noExplicitAny: any command definition
  def: CommandDefinition<any>,
  options: Record<string, unknown> = {},
  as: { id?: string; moderator?: boolean } = {},
): Promise<Reply> {
  const ctx: CommandContext = {
    platform: 'discord',
    guild: { id: w.guildId, name: 'Rust Gamedev' },
    member: { id: asMemberId(as.id ?? 'mod'), displayName: as.id ?? 'Mod', moderator: as.moderator ?? true },
    channelId: null,
    options: options as never,
    deps: w.deps(),
    now: T0 + 10 * DAY,
  };
  return runCommand(def, ctx);
}

const text = (r: Reply) => r.body.content;
const dataUrl = (value: unknown) =>
  `data:application/json;base64,${Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64')}`;
const attachment = (value: unknown) => ({
  name: 'convene.json',
  url: dataUrl(value),
  size: 100,
  contentType: 'application/json',
});
/** Set a dotted path ("a.b.0.c") inside plain JSON data. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}
const audits = (w: World) => w.db.select().from(auditLog).where(eq(auditLog.guildId, w.guildId)).all();

describe('/journey', () => {
  async function withHelper() {
    const w = await makeCommunity();
    await w.join('bob', T0 - 10 * DAY);
    const hi = await w.message('bob', 'c-general', T0 - 9 * DAY);
    await w.join('ann', T0, { displayName: 'Ann' });
    await w.message('ann', 'c-general', T0 + HOUR, { replyTo: hi });
    return w;
  }

  it('GIVEN a helper asks THEN the ephemeral reply shows the stage and the checklist toward Regular', async () => {
    const w = await withHelper();
    const r = await run(w, journey, {}, { id: 'ann', moderator: false });
    expect(r).toMatchObject({ kind: 'message', ephemeral: true });
    expect(text(r)).toContain('Stage 4 of 7: **Helping**');
    expect(text(r)).toContain('⬜ Post in 3 of the last 4 weeks');
  });

  it("GIVEN a member asks about someone else THEN they are refused; a moderator sees that member's journey", async () => {
    const w = await withHelper();
    const refused = await run(w, journey, { member: 'ann' }, { id: 'bob', moderator: false });
    expect(text(refused)).toBe(NOT_YOUR_JOURNEY);
    const seen = await run(w, journey, { member: 'ann' }, { id: 'mod', moderator: true });
    expect(text(seen)).toContain("**Ann's journey in Rust Gamedev**");
    expect(text(seen)).toContain('**Helping**');
  });

  it('GIVEN a member the journey has never seen THEN they are at the first stage with the next steps', async () => {
    const w = await makeCommunity();
    const r = await run(w, journey, {}, { id: 'zed', moderator: false });
    expect(text(r)).toContain('Stage 1 of 7: **Arrived**');
    expect(text(r)).toContain('Introduce yourself in <#c-intro>');
  });
});

describe('moderator commands', () => {
  it.each([
    conveneWelcomeSet,
    conveneWelcomeTest,
    conveneJourneyShow,
    conveneJourneySetRole,
    conveneJourneySilent,
    conveneConfigExport,
    conveneConfigImport,
  ])('GIVEN a member who is not a moderator runs /$name THEN it is refused and nothing changes', async (def) => {
    const w = await makeCommunity();
    const before = await readSettings(sqliteDatabase(w.db), w.guildId);
    const r = await run(
      w,
      def,
      { stage: 'helping', role: 'r1', mode: 'on', file: attachment({}) },
      { id: 'bob', moderator: false },
    );
    expect(text(r)).toBe(MODERATOR_ONLY);
    expect(await readSettings(sqliteDatabase(w.db), w.guildId)).toEqual(before);
    expect(w.outbox()).toHaveLength(0);
  });

  it('GIVEN /convene welcome set with a channel, DM off and text THEN the welcome follows it', async () => {
    const w = await makeCommunity();
    const r = await run(w, conveneWelcomeSet, {
      channel: 'c-welcome',
      dm: false,
      text: 'Hi {member}, this is {server}.',
    });
    expect(text(r)).toContain('in <#c-welcome>');
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).journey.welcome).toMatchObject({
      channelId: 'c-welcome',
      dm: false,
      text: 'Hi {member}, this is {server}.',
    });
    await w.join('ann', T0 + 10 * DAY);
    expect(w.outbox().map((r) => r.action)).toContainEqual({
      type: 'message.send',
      channelId: 'c-welcome',
      body: { content: 'Hi <@ann>, this is Rust Gamedev.', mentions: { members: ['ann'] } },
    });
    const back = await run(w, conveneWelcomeSet, { text: 'default', clear_channel: true, dm: true });
    expect(text(back)).toContain('by DM, with the default text');
    expect(audits(w).map((a) => a.action)).toEqual(['journey.welcome.set', 'journey.welcome.set']);
  });

  it('GIVEN /convene welcome test THEN the moderator gets the welcome by DM as a preview, not as their own welcome', async () => {
    const w = await makeCommunity();
    const r = await run(w, conveneWelcomeTest, {}, { id: 'mod' });
    expect(text(r)).toContain('Welcome to **Rust Gamedev**');
    const [row] = w.outbox();
    expect(row?.key).toMatch(/^welcome-test:g1:mod:/);
    expect(row?.action).toMatchObject({ type: 'dm.send', memberId: 'mod', body: { mentions: { members: ['mod'] } } });
  });

  it('GIVEN /convene journey set-role THEN the stage gives the role, members already there get it, and it is audited', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.message('ann', 'c-general', T0 + HOUR);
    const r = await run(w, conveneJourneySetRole, { stage: 'participating', role: 'r-part' });
    expect(text(r)).toContain('<@&r-part>');
    expect(text(r)).toContain('The 1 member already there');
    expect(
      (await readSettings(sqliteDatabase(w.db), w.guildId)).journey.track.stages.find((s) => s.id === 'participating')!
        .roleId,
    ).toBe('r-part');
    expect(
      w
        .outbox()
        .filter((o) => o.action.type === 'role.add')
        .map((o) => o.action),
    ).toEqual([{ type: 'role.add', memberId: 'ann', roleId: 'r-part', reason: 'Journey: Participating role' }]);
    expect(audits(w).map((a) => a.action)).toEqual(['journey.set-role']);
    const unknown = await run(w, conveneJourneySetRole, { stage: 'guru', role: 'r-x' });
    expect(text(unknown)).toContain('There is no stage "guru"');
  });

  it('GIVEN /convene journey show THEN it lists the stages with their counts', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    const r = await run(w, conveneJourneyShow);
    expect(text(r)).toContain('1. **Arrived** `arrived`');
    expect(text(r)).toContain('1 member here');
  });

  it('GIVEN /convene journey silent on THEN the journey turns silent', async () => {
    const w = await makeCommunity();
    await run(w, conveneJourneySilent, { mode: 'on' });
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).journey.silent).toBe(true);
    await run(w, conveneJourneySilent, { mode: 'off' });
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).journey.silent).toBe(false);
  });
});

describe('config export and import', () => {
  it('GIVEN an export THEN it is the whole configuration as a JSON attachment that imports back unchanged', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, journey: { ...s.journey, silent: true } }));
    const r = await run(w, conveneConfigExport);
    const [file] = r.body.attachments ?? [];
    expect(file).toMatchObject({ name: 'convene-config-g1.json', contentType: 'application/json' });
    const exported = JSON.parse(Buffer.from(file!.dataBase64, 'base64').toString('utf8'));
    expect(exported).toEqual(await readSettings(sqliteDatabase(w.db), w.guildId));
    const back = await run(w, conveneConfigImport, { file: attachment(exported) });
    expect(text(back)).toContain('nothing to change');
  });

  it('GIVEN a valid edited file THEN it is applied and the audit log has before and after', async () => {
    const w = await makeCommunity();
    const next = await readSettings(sqliteDatabase(w.db), w.guildId);
    next.journey.nudges.afterDays = 5;
    next.core.timezone = 'Europe/Berlin';
    const r = await run(w, conveneConfigImport, { file: attachment(next) });
    expect(text(r)).toContain('`core`, `journey`');
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).journey.nudges.afterDays).toBe(5);
    const [audit] = audits(w);
    expect(audit).toMatchObject({ action: 'config.import', actorId: 'mod' });
  });

  it.each<[string, string, unknown, string]>([
    [
      'a bad field deep inside',
      'journey.track.stages.3.criteria.0.atLeast',
      -1,
      'journey.track.stages.3.criteria.0.atLeast',
    ],
    ['a wrong type', 'journey.welcome.dm', 'yes', 'journey.welcome.dm'],
    ['a bad timezone', 'core.timezone', 'Mars/Olympus', 'core.timezone'],
    ['an unknown section', 'karma', {}, '(root)'],
  ])('GIVEN a file with %s THEN nothing changes and the reply names the field', async (_, where, value, path) => {
    const w = await makeCommunity();
    const before = await readSettings(sqliteDatabase(w.db), w.guildId);
    const file = structuredClone(before) as unknown as Record<string, unknown>;
    (file.journey as { silent: boolean }).silent = true; // a valid change that must not be applied either
    setPath(file, where, value);
    const r = await run(w, conveneConfigImport, { file: attachment(file) });
    expect(text(r)).toContain('Nothing changed');
    expect(text(r)).toContain(`\`${path}\``);
    expect(await readSettings(sqliteDatabase(w.db), w.guildId)).toEqual(before);
    expect(audits(w)).toHaveLength(0);
  });

  it('GIVEN a file that is not JSON THEN nothing changes and the reply says so', async () => {
    const w = await makeCommunity();
    const r = await run(w, conveneConfigImport, { file: attachment('{ "journey": ') });
    expect(text(r)).toContain('not valid JSON');
    expect(audits(w)).toHaveLength(0);
  });

  it('GIVEN a file too large THEN it is refused before downloading', async () => {
    const w = await makeCommunity();
    const r = await run(w, conveneConfigImport, { file: { ...attachment({}), size: 10_000_000 } });
    expect(text(r)).toContain('at most 256 KB');
  });
});
