/**
 * The Discourse renderer on text the real features write (Discord syntax in, forum markdown out).
 */
import { describe, expect, it } from 'vitest';
import { renderCongrats, renderNudge, renderWelcome } from '../../../src/features/journey/compose.js';
import { peerNudgeBody } from '../../../src/features/questions/nudgePolicy.js';
import { type RenderContext, readableUtcDate, renderBody } from '../../../src/platforms/discourse/render.js';

const ctx: RenderContext = {
  baseUrl: 'https://forum.example',
  usernameOf: (id) => ({ '7': 'alice', '8': 'bob', '9': 'eve' })[id],
  groupNameOf: () => undefined,
  botUsername: 'convene',
};
/** Discourse's mention rule (never inside code): "@" not after a word character, then username characters. */
const notified = (raw: string) =>
  [...raw.replace(/`[^`\n]*`/g, '').matchAll(/(^|[^\w@/])@([\w.-]*\w)/g)].map((m) => m[2]);
const DISCORD_SYNTAX = /<@!?&?\d+>|<#[^>]+>|<t:-?\d+(:\w)?>|^-# /m;
const HOUR = 3_600_000;

describe('Discourse rendering of feature text', () => {
  it('GIVEN a peer nudge for alice and bob THEN both are @mentioned, the small print is small and names the forum command', () => {
    const now = Date.parse('2026-11-30T09:00:00Z');
    const body = peerNudgeBody(
      { askedAt: now - 5 * HOUR },
      [
        { memberId: '7', reasons: [{ kind: 'expertise', weight: 1, terms: ['vulkan'] }] },
        { memberId: '8', reasons: [{ kind: 'channel', weight: 1 }] },
      ],
      new Map([['7', { word: 'vulkan', answered: 3 }]]),
      now,
      { title: 'Vulkan crash, @team any idea?', url: 'https://forum.example/t/16' },
    );
    const raw = renderBody(body, ctx);
    // The title's "@team" is text: only the picked peers are notified.
    expect(notified(raw)).toEqual(['alice', 'bob']);
    expect(raw).toContain('https://forum.example/t/16');
    expect(raw).toContain('@alice — you answered 3 questions about vulkan.');
    expect(raw).toContain('<small>Convene asks a couple of people at most, once. `@convene nudges off`');
    expect(raw).not.toMatch(DISCORD_SYNTAX);
    expect(raw).not.toContain('`/nudges off`');
  });

  it('GIVEN a nudge body whose mentions leave out one named member THEN that member is named without an @', () => {
    const now = Date.parse('2026-11-30T09:00:00Z');
    const body = peerNudgeBody(
      { askedAt: now - HOUR },
      [
        { memberId: '7', reasons: [{ kind: 'fast', weight: 1 }] },
        { memberId: '9', reasons: [{ kind: 'fast', weight: 1 }] },
      ],
      new Map(),
      now,
      { title: 'Lightmaps', url: 'https://forum.example/t/17' },
    );
    const raw = renderBody({ ...body, mentions: { members: body.mentions!.members!.slice(0, 1) } }, ctx);
    expect(notified(raw)).toEqual(['alice']);
    expect(raw).toContain('\neve — you usually reply quickly.');
  });

  it('GIVEN the welcome with an introductions category THEN it links the category, mentions only the newcomer, and names `@convene journey`', () => {
    const body = renderWelcome({
      memberId: '9',
      serverName: 'Robot Makers',
      topicChannels: [{ channelId: 'category:5', name: 'Help' }],
      introductions: { channelId: 'category:4', name: 'Introductions' },
      help: null,
      customText: '',
    });
    const raw = renderBody(body, ctx);
    expect(notified(raw)).toEqual(['eve']);
    expect(raw).toContain('introduce yourself in https://forum.example/c/4');
    expect(raw).toContain('People here talk in https://forum.example/c/5.');
    expect(raw).toContain('Type `@convene journey` any time');
    expect(raw).not.toMatch(DISCORD_SYNTAX);
  });

  it('GIVEN a newcomer nudge pointing at an open topic THEN it links the topic and the opt-out is small print', () => {
    const raw = renderBody(
      renderNudge('9', 'Robot Makers', { kind: 'openQuestion', thread: { channelId: '42', name: 'Gait planning?' } }),
      ctx,
    );
    expect(raw).toContain('in https://forum.example/t/42 and is still waiting');
    expect(raw).toMatch(/<small>Just this once\. Don't want nudges\? `@convene nudges off`<\/small>$/);
    expect(raw).not.toMatch(DISCORD_SYNTAX);
  });

  it('GIVEN the last-stage congratulation THEN only that member is mentioned', () => {
    const raw = renderBody(
      renderCongrats({
        memberId: '7',
        serverName: 'Robot Makers',
        stage: { name: 'Participating' } as never,
        next: null,
        progress: [],
        places: { introductions: null },
      }),
      ctx,
    );
    expect(notified(raw)).toEqual(['alice']);
    expect(raw).toContain("you're now **Participating** in **Robot Makers**");
  });

  it.each([
    ['D', 'Mon 30 Nov 2026'],
    ['d', 'Mon 30 Nov 2026'],
    ['t', '09:05 UTC'],
    ['F', 'Mon 30 Nov 2026, 09:05 UTC'],
    ['R', 'Mon 30 Nov 2026, 09:05 UTC'],
    [undefined, 'Mon 30 Nov 2026, 09:05 UTC'],
  ])('GIVEN a <t:…:%s> timestamp THEN it reads %s', (style, expected) => {
    const unix = Date.parse('2026-11-30T09:05:00Z') / 1000;
    expect(readableUtcDate(unix, style)).toBe(expected);
    expect(renderBody({ content: `Next round: <t:${unix}${style ? `:${style}` : ''}>.` }, ctx)).toBe(
      `Next round: ${expected}.`,
    );
  });

  it('GIVEN known command names THEN a bare "/profile show" becomes the forum command, and "/etc/fstab" or an unknown "/dance" stay', () => {
    const raw = renderBody(
      {
        content:
          'Saved. /profile show shows what intros knows. Check /etc/fstab and /journey.txt, then /dance. Or /journey.',
      },
      { ...ctx, commands: ['profile show', 'profile set', 'journey'] },
    );
    expect(raw).toBe(
      'Saved. `@convene profile show` shows what intros knows. Check /etc/fstab and /journey.txt, then /dance. Or `@convene journey`.',
    );
  });

  it('GIVEN channel names are known THEN <#id> links read as the category name or topic title', () => {
    const names: Record<string, string> = { 'category:4': 'Introductions', '42': 'Gait planning for @everyone?' };
    const raw = renderBody(
      { content: 'Say hello in <#category:4>, or answer <#42>.' },
      { ...ctx, channelNameOf: (id) => names[id] },
    );
    expect(raw).toBe(
      'Say hello in [Introductions](https://forum.example/c/4), or answer [Gait planning for @\u200Deveryone?](https://forum.example/t/42).',
    );
    expect(notified(raw)).toEqual([]);
  });

  it('GIVEN a Discord command named on the forum (double backticks) THEN it stays a slash command, in code', () => {
    const raw = renderBody(
      { content: 'Run ``/link confirm code:123456`` on Discord, or `/link remove` here.' },
      { ...ctx, commands: ['link confirm', 'link remove'] },
    );
    expect(raw).toBe('Run `/link confirm code:123456` on Discord, or `@convene link remove` here.');
  });

  it('GIVEN no bot username THEN slash commands are left as written', () => {
    const raw = renderBody({ content: 'Try `/journey` now.' }, { ...ctx, botUsername: undefined });
    expect(raw).toBe('Try `/journey` now.');
  });
});
