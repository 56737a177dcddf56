/**
 * A moderator's custom welcome always fits the message it is sent in (issue 12 §7): the text is
 * checked when set against the longest names the platform allows, and the preview says what a
 * newcomer would not get when a text set before that check is too long.
 */
import { describe, expect, it } from 'vitest';
import conveneWelcomeSet from '../../../commands/conveneWelcomeSet.js';
import conveneWelcomeTest from '../../../commands/conveneWelcomeTest.js';
import type { Action } from '../../../src/actions.js';
import { type CommandContext, type CommandDefinition, type Reply, runCommand } from '../../../src/commands.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import { renderWelcome, welcomeWorstCase } from '../../../src/features/journey/compose.js';
import { readSettings } from '../../../src/guildSettings.js';
import { messageJson } from '../../../src/platforms/discord/render.js';
import { LIMITS, limitViolation } from '../../../src/text/fit.js';
import { DAY, makeCommunity, T0 } from './world.js';

type World = Awaited<ReturnType<typeof makeCommunity>>;

/** 1,500 characters, as the option allows, with a placeholder in every line (the probe). */
const LONG_TEMPLATE = (() => {
  const line = '{member}, welcome to {server}: {first_step} {first_step} {first_step} See {channels}.\n';
  return line.repeat(Math.ceil(1500 / line.length)).slice(0, 1500);
})();

function run(w: World, def: CommandDefinition<never>, options: Record<string, unknown> = {}): Promise<Reply> {
  const ctx: CommandContext = {
    platform: 'discord',
    guild: { id: w.guildId, name: 'Rust Gamedev' },
    member: { id: asMemberId('mod'), displayName: 'Mod', moderator: true },
    channelId: null,
    options: options as never,
    deps: w.deps(),
    now: T0 + 10 * DAY,
  };
  return runCommand(def as CommandDefinition, ctx);
}

describe('a custom welcome is checked against its longest expansion', () => {
  it('GIVEN a 1,500-character text whose placeholders expand far past 2,000 THEN /convene welcome set refuses, says by how much, and changes nothing', async () => {
    const w = await makeCommunity();
    const expanded = renderWelcome({
      memberId: '123456789012345678',
      serverName: 'Rust Gamedev',
      topicChannels: [{ channelId: '223456789012345678', name: 'general' }],
      introductions: { channelId: '323456789012345678', name: 'introductions' },
      help: null,
      customText: LONG_TEMPLATE,
    }).content.length;
    expect(expanded).toBeGreaterThan(3 * LIMITS.content);
    const r = await run(w, conveneWelcomeSet as never, { dm: true, text: LONG_TEMPLATE });
    const worst = welcomeWorstCase(LONG_TEMPLATE).length;
    console.log(`template ${LONG_TEMPLATE.length} chars → ${expanded} here, ${worst} at worst:\n${r.body.content}`);
    expect(r.body.content).toMatch(
      /^Nothing changed: with the longest names allowed, your welcome can reach [\d,]+ characters once \{member\} ×\d+, \{server\} ×\d+, \{channels\} ×\d+, \{first_step\} ×\d+ are filled in, and a message holds 2,000\. Shorten it by about [\d,]+ characters or use fewer placeholders\.$/,
    );
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).journey.welcome.text).toBe('');
  });

  it('GIVEN a text one character too long at worst THEN the refusal says "about 1 character", in the singular', async () => {
    const w = await makeCommunity();
    const head =
      'Welcome {member}! Tell us what you are building in {server}, and see {channels} for where to start. {first_step} ' +
      'Glad you found {server}, {member}: {channels} are the busiest rooms. ';
    const prose =
      'Say hello, share a screenshot of your game, and ask anything: nobody here minds a beginner question. '.repeat(
        20,
      );
    // Placeholders first, then plain words, cut where the worst expansion is one character over the limit.
    let text = '';
    for (let n = 1; n <= 1500 - head.length; n++) {
      const candidate = head + prose.slice(0, n);
      if (welcomeWorstCase(candidate).length === LIMITS.content + 1) text = candidate;
    }
    expect(text).not.toBe('');
    const r = await run(w, conveneWelcomeSet as never, { dm: true, text });
    console.log(`[moderator reads] ${r.body.content}`);
    expect(r.body.content).toMatch(
      / and a message holds 2,000\. Shorten it by about 1 character or use fewer placeholders\.$/,
    );
  });

  it('GIVEN a text that fits even with the longest names THEN it is saved', async () => {
    const w = await makeCommunity();
    const text = `Hi {member}, welcome to {server}. ${'Read the pinned posts first. '.repeat(40)}`;
    expect(welcomeWorstCase(text).length).toBeLessThanOrEqual(LIMITS.content);
    const r = await run(w, conveneWelcomeSet as never, { dm: true, text });
    expect(r.body.content).toContain('with your text');
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).journey.welcome.text).toBe(text);
  });
});

describe('a welcome that is too long (set before the check) is cut, and the preview says so', () => {
  it('GIVEN a stored text that expands past 2,000 THEN the preview warns what newcomers do not get and every message fits', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: { ...s.journey, welcome: { ...s.journey.welcome, enabled: true, dm: true, text: LONG_TEMPLATE } },
    }));
    const set = await run(w, conveneWelcomeSet as never, { dm: true });
    expect(set.body.content).toBe(
      'Newcomers are welcomed by DM, with your text. Your text can be longer than a message holds, and newcomers would get it cut: `/convene welcome test` shows what is cut.',
    );
    const r = await run(w, conveneWelcomeTest as never);
    console.log(r.body.content);
    expect(r.body.content).toMatch(
      /^⚠️ This welcome is [\d,]+ characters and a message holds 2,000: newcomers get it cut after “…/,
    );
    expect(r.body.content).toMatch(/and the last [\d,]+ characters are not sent\./);
    expect(limitViolation(r.body)).toBeNull();
    const shown = r.body.embeds?.[0]?.description ?? '';
    expect(shown.length).toBeLessThanOrEqual(LIMITS.content);
    expect(shown.endsWith('…')).toBe(true);
    // The DM the moderator gets is the same welcome, fitted by the sender like every message.
    const dm = w.outbox().at(-1)!.action as Extract<Action, { type: 'dm.send' }>;
    expect(messageJson(dm.body).content).toBe(shown);
  });
});
