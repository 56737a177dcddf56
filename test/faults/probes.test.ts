/**
 * The probes of issue 12 §7, each as it was reported: a member's markdown link and right-to-left
 * override in /profile show and /unanswered, a 6,000-character /help option, and a mention inside
 * backslash-escaped backticks on Discourse. Replies are judged as the platforms show them
 * (./markup.ts: Discord's markdown rules on our Discord JSON, markdown-it on our Discourse post).
 */
import { describe, expect, it } from 'vitest';
import profileSet from '../../commands/profileSet.js';
import profileShow from '../../commands/profileShow.js';
import unanswered from '../../commands/unanswered.js';
import type { MessageBody } from '../../src/actions.js';
import { features } from '../../src/features/index.js';
import { messageJson } from '../../src/platforms/discord/render.js';
import { renderBody } from '../../src/platforms/discourse/render.js';
import { cook } from '../../src/sandbox/discourse/cook.js';
import { LIMITS } from '../../src/text/fit.js';
import { HOUR, makeCommunity, T0 } from '../features/questions/world.js';
import { FOREIGN, type Judge, judgeDiscord, judgeDiscourse } from './markup.js';

// From the feature list, as the bot loads it (help.ts lists the features, which list help).
const help = features.flatMap((f) => f.commands).find((c) => c.name === 'help')!;
const RLO = '\u202E';
const EVIL = `[click](https://${FOREIGN.host}) ${RLO}gpj.exe`;

const judge: Judge = {
  memberIds: new Set(['ada', 'bo', 'cy', 'dee', 'eve']),
  roleIds: new Set(),
  forum: { baseUrl: 'https://forum.example', usernameOf: (id) => id, groupNameOf: () => undefined },
  forumUsers: ['ada', 'bo', 'cy', 'dee', 'eve'],
  forumGroups: ['staff', 'admins', 'moderators'],
};
const leaks = (body: MessageBody) => [...judgeDiscord(body, 'reply', judge), ...judgeDiscourse(body, 'reply', judge)];
const kinds = (body: MessageBody) => leaks(body).map((l) => `${l.platform} ${l.kind}`);

describe('member text in replies is shown as text', () => {
  it('GIVEN a member whose about and interests hold a markdown link and a right-to-left override THEN /profile show shows them as text', async () => {
    const w = await makeCommunity();
    await w.run(profileSet, { about: EVIL, interests: `vulkan, ${EVIL}` }, { id: 'ada' });
    const mine = await w.run(profileShow, {}, { id: 'ada' });
    expect(mine.body.content).toContain('click');
    expect(kinds(mine.body)).toEqual([]);
  });

  it('GIVEN an open question whose title holds a markdown link and a right-to-left override THEN /unanswered links to the question, not to the link, and drops the override', async () => {
    const w = await makeCommunity();
    await w.post('qx', 'help', 'cy', `vulkan shader ${EVIL}`, T0 - 3 * HOUR);
    const r = await w.run(unanswered, {}, { id: 'ada' });
    expect(r.body.content).toContain(`](https://discord.com/channels/${w.guildId}/qx)`);
    expect(kinds(r.body)).toEqual([]);
  });
});

describe('long input is not echoed back whole', () => {
  it('GIVEN /help command: with 6,000 characters THEN the reply fits one message and quotes only its start', async () => {
    const w = await makeCommunity();
    const typed = `@everyone ${'x'.repeat(5990)}`;
    const r = await w.run(help, { command: typed }, { id: 'ada' });
    expect(r.body.content.length).toBeLessThanOrEqual(LIMITS.content);
    expect(r.body.content).toContain('No command starts with');
    expect(kinds(r.body)).toEqual([]);
    // What the sender posts is the same reply: nothing was cut from it.
    expect(messageJson(r.body).content).toBe(r.body.content);
  });
});

describe('Discourse: a mention inside backslash-escaped backticks', () => {
  it('GIVEN "\\`@staff\\`" in a question title THEN the forum post notifies nobody', () => {
    const body: MessageBody = { content: 'Someone asked: \\`@staff\\` please look', mentions: { members: [] } };
    const raw = renderBody(body, judge.forum);
    const { mentions } = cook(raw, { user: () => undefined, group: (n) => (n === 'staff' ? 'staff' : undefined) });
    expect(mentions.groups).toEqual([]);
    // Real code stays code: the same words in backticks are shown exactly as written.
    const code = renderBody({ content: 'Run `@staff help` to ask' }, judge.forum);
    expect(code).toContain('`@staff help`');
  });
});
