import { describe, expect, it } from 'vitest';
import {
  criterionLabel,
  neutralize,
  renderCongrats,
  renderJourney,
  renderNudge,
  renderTrack,
  renderWelcome,
  type WelcomeInput,
} from '../../../src/features/journey/compose.js';
import { defaultTrack } from '../../../src/features/journey/track.js';

const track = defaultTrack();
const stage = (id: string) => track.stages.find((s) => s.id === id)!;
const places = { introductions: { channelId: 'c-intro', name: 'introductions' } };

/** No text may carry a live mass mention, whatever a member or moderator typed. */
const MASS_PING = /@(everyone|here)/i;

const welcome = (change: Partial<WelcomeInput> = {}): WelcomeInput => ({
  memberId: 'ann',
  serverName: 'Rust Gamedev',
  topicChannels: [
    { channelId: 'c-engine', name: 'engine' },
    { channelId: 'c-art', name: 'art' },
    { channelId: 'c-jobs', name: 'jobs' },
    { channelId: 'c-misc', name: 'misc' },
  ],
  introductions: places.introductions,
  help: { channelId: 'c-help', name: 'help' },
  customText: '',
  ...change,
});

describe('welcome text', () => {
  it('GIVEN the default text THEN it names the server, three topic channels, the first step and /journey', () => {
    const body = renderWelcome(welcome());
    expect(body.content).toContain('**Rust Gamedev**');
    expect(body.content).toContain('<#c-engine>, <#c-art> and <#c-jobs>');
    expect(body.content).not.toContain('c-misc');
    expect(body.content).toContain('introduce yourself in <#c-intro>');
    expect(body.content).toContain('/journey');
    expect(body.mentions).toEqual({ members: ['ann'] });
  });

  it.each([
    ['no introductions channel', { introductions: null }, 'ask your first question in <#c-help>'],
    ['neither introductions nor help', { introductions: null, help: null }, 'say hi in <#c-engine>'],
    [
      'no channels at all',
      { introductions: null, help: null, topicChannels: [] },
      'say hi — people here are glad you came',
    ],
  ])('GIVEN %s THEN the first step points somewhere real', (_, change, step) => {
    expect(renderWelcome(welcome(change)).content).toContain(step);
  });

  it('GIVEN custom text with placeholders THEN they are filled and only the newcomer may be pinged', () => {
    const body = renderWelcome(
      welcome({ customText: 'Hey {member}, welcome to {server}! Start here: {first_step} Chat in {channels}.' }),
    );
    expect(body.content).toBe(
      "Hey <@ann>, welcome to Rust Gamedev! Start here: introduce yourself in <#c-intro> — a line about who you are and what you're working on is plenty. Chat in <#c-engine>, <#c-art> and <#c-jobs>.",
    );
    expect(body.mentions).toEqual({ members: ['ann'] });
  });

  it('GIVEN custom text that says @everyone or names a role THEN neither pings', () => {
    const body = renderWelcome(welcome({ customText: '@everyone say hi to {member}! <@&123> @here' }));
    expect(body.content).not.toMatch(MASS_PING);
    expect(body.content).not.toContain('<@&');
    expect(body.content).toContain('<@ann>');
    expect(body.mentions).toEqual({ members: ['ann'] });
  });

  it('GIVEN a server named "@everyone" THEN the name is shown but pings nobody', () => {
    const body = renderWelcome(welcome({ serverName: '@everyone' }));
    expect(body.content).not.toMatch(MASS_PING);
    expect(body.content).toContain('@\u200beveryone');
  });

  it('GIVEN text with mass mentions THEN neutralize defuses each', () => {
    expect(neutralize('@everyone @Here <@&5>')).toBe('@\u200beveryone @\u200bHere <@\u200b&5>');
  });
});

describe('milestone text', () => {
  it('GIVEN a member who reached Helping THEN the congratulation is short and names the next step', () => {
    const body = renderCongrats({
      memberId: 'ann',
      serverName: 'Rust Gamedev',
      stage: stage('helping'),
      next: stage('regular'),
      progress: [{ criterion: stage('regular').criteria[0]!, have: 1, need: 3, done: false }],
      places,
    });
    expect(body.content).toContain("you're now **Helping** in **Rust Gamedev**");
    expect(body.content).toContain('Next: post in 3 of the last 4 weeks (2 to go)');
    expect(body.content.length).toBeLessThan(300);
    expect(body.mentions).toEqual({ members: ['ann'] });
  });

  it('GIVEN the last stage THEN the congratulation thanks instead of naming a next step', () => {
    const body = renderCongrats({
      memberId: 'ann',
      serverName: 'S',
      stage: stage('convener'),
      next: null,
      progress: [],
      places,
    });
    expect(body.content).toContain('whole journey');
    expect(body.content).not.toContain('Next:');
  });

  it.each([
    [{ kind: 'message', atLeast: 1 } as const, 'Post your first message'],
    [{ kind: 'introduction', atLeast: 1 } as const, 'Introduce yourself in <#c-intro>'],
    [{ kind: 'solved', atLeast: 5 } as const, 'Have 5 answers marked as solving or helpful'],
    [{ kind: 'welcomedNewcomer', atLeast: 3 } as const, "Be the first to reply to a newcomer's first post (3 times)"],
    [{ kind: 'question', atLeast: 2, withinWeeks: 2 } as const, 'Ask 2 questions in the last 2 weeks'],
    [{ kind: 'memberDays', atLeast: 30 } as const, 'Be a member for 30 days'],
  ])('GIVEN criterion %o THEN the checklist line reads "%s"', (criterion, label) => {
    expect(criterionLabel(criterion, places)).toContain(label);
  });
});

describe('nudge text', () => {
  it.each([
    [{ kind: 'openQuestion', thread: { channelId: 't1', name: 'How do I load @everyone sprites?' } } as const, '<#t1>'],
    [{ kind: 'busiestThread', thread: { channelId: 't2', name: 'Jam ideas' }, messages: 41 } as const, '(41 messages)'],
    [{ kind: 'busiestThread', thread: { channelId: 't2', name: 'Jam ideas' }, messages: 1 } as const, '(1 message)'],
    [{ kind: 'introductions', channel: places.introductions } as const, 'say hello in <#c-intro>'],
  ])(
    'GIVEN the invitation %o THEN the nudge points at it, pings only the newcomer and says how to stop',
    (invitation, expected) => {
      const body = renderNudge('ann', 'Rust Gamedev', invitation);
      expect(body.content).toContain(expected);
      expect(body.content).toContain('/nudges off');
      expect(body.content).not.toMatch(MASS_PING);
      expect(body.mentions).toEqual({ members: ['ann'] });
    },
  );
});

describe('/journey text', () => {
  it('GIVEN a helper THEN it shows the stage, a checklist toward Regular and what it unlocks', () => {
    const text = renderJourney({
      serverName: 'Rust Gamedev',
      aboutName: null,
      track,
      index: 3,
      stageAt: Date.UTC(2026, 2, 2),
      next: stage('regular'),
      progress: [{ criterion: stage('regular').criteria[0]!, have: 2, need: 3, done: false }],
      places,
    });
    expect(text).toContain('**Your journey in Rust Gamedev**');
    expect(text).toContain('Stage 4 of 7: **Helping**');
    expect(text).toContain('⬜ Post in 3 of the last 4 weeks (2/3)');
    expect(text).toContain(stage('regular').unlocks);
  });

  it('GIVEN an arrived member THEN the optional Introduced stage says it can be skipped', () => {
    const text = renderJourney({
      serverName: 'S',
      aboutName: '@everyone',
      track,
      index: 0,
      stageAt: null,
      next: stage('introduced'),
      progress: [],
      places,
    });
    expect(text).toContain('(optional)');
    expect(text).toContain('**Participating** comes next either way');
    expect(text).not.toMatch(MASS_PING);
  });

  it('GIVEN the track THEN the overview lists every stage with its role and member count', () => {
    const custom = defaultTrack();
    custom.stages[3]!.roleId = '777';
    const text = renderTrack({
      track: custom,
      silent: false,
      congratulateVia: 'dm',
      congratulateChannelId: null,
      counts: new Map([['helping', 12]]),
      places,
    });
    expect(text).toContain('4. **Helping** `helping`');
    expect(text).toContain('<@&777> · 12 members here');
    expect(text).toContain('congratulations by DM');
  });
});
