/**
 * One escalation per question, named: to the helpers role in the question's thread when one is set;
 * otherwise one summary per scan to the moderators, listing the questions (title, link, age), instead
 * of one ping per moderator per question.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions.js';
import { asMemberId, asRoleId } from '../../../src/events.js';
import { scanAndNudge } from '../../../src/features/questions/service.js';
import { DAY, HOUR, MINUTE, makeCommunity, T0 } from './world.js';

type World = Awaited<ReturnType<typeof makeCommunity>>;

const escalations = (w: World) => w.outbox().filter((r) => r.key.startsWith('questions:escalate'));
const contentOf = (a: Action) => ('body' in a && a.body && 'content' in a.body ? String(a.body.content) : '');

const TITLES = ['vulkan shader crash on startup', 'replication lag over the network', 'lightmap baking never ends'];

async function threeOldQuestions(w: World) {
  for (const [i, title] of TITLES.entries()) {
    await w.post(`q${i + 1}`, 'help', 'cy', title, T0 - 25 * HOUR - i * 10 * MINUTE, { body: `${title}, why?` });
  }
}

describe('escalation', () => {
  it('GIVEN no helpers role, 3 questions past 24 h and 2 moderators THEN one summary to each moderator per scan, listing all 3, and nothing on the next scan', async () => {
    const w = await makeCommunity();
    await w.join('mo', { moderator: true });
    await w.join('max', { moderator: true });
    await threeOldQuestions(w);
    const result = await scanAndNudge(w.store, w.guildId, T0);
    expect(result.escalated).toBe(3);
    const sent = escalations(w);
    // One message per moderator, whatever the number of questions.
    expect(sent.map((r) => r.action.type)).toEqual(['dm.send', 'dm.send']);
    expect(sent.map((r) => (r.action as { memberId: string }).memberId).sort()).toEqual(['max', 'mo']);
    for (const r of sent) {
      const text = contentOf(r.action);
      for (const [i, title] of TITLES.entries()) {
        expect(text).toContain(title);
        expect(text).toContain(`https://discord.com/channels/${w.guildId}/q${i + 1}`);
      }
      expect(text).toMatch(/25 hours/);
    }
    // Nothing pings the moderators in the threads.
    expect(
      w.outbox().filter((r) => r.action.type === 'message.send' && r.key.startsWith('questions:escalate')),
    ).toEqual([]);

    await scanAndNudge(w.store, w.guildId, T0 + HOUR);
    await scanAndNudge(w.store, w.guildId, T0 + 2 * HOUR);
    expect(escalations(w)).toHaveLength(2);
  });

  it('GIVEN a helpers role THEN each question gets one escalation in its thread, naming it with its age and link', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, questions: { ...s.questions, helpersRoleId: 'r-helpers' } }));
    await threeOldQuestions(w);
    await scanAndNudge(w.store, w.guildId, T0);
    await scanAndNudge(w.store, w.guildId, T0 + HOUR);
    const sent = escalations(w);
    expect(sent).toHaveLength(3);
    for (const r of sent) {
      expect(r.action.type).toBe('message.send');
      const a = r.action as Extract<Action, { type: 'message.send' }>;
      const i = Number(a.channelId.slice(1)) - 1;
      expect(a.body.mentions).toEqual({ roles: ['r-helpers'] });
      expect(contentOf(a)).toContain(TITLES[i]!);
      expect(contentOf(a)).toContain(`https://discord.com/channels/${w.guildId}/q${i + 1}`);
      expect(contentOf(a)).toMatch(/2[56] hours/);
    }
  });

  it('GIVEN moderator roles and no helpers role THEN the members holding them get the summary, not a role ping per question', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, core: { ...s.core, moderatorRoleIds: ['r-mods'] } }));
    await w.push({
      platform: 'discord',
      guildId: w.guildId,
      kind: 'member.joined',
      at: T0 - 30 * DAY,
      memberId: asMemberId('rita'),
      username: 'rita',
      displayName: 'Rita',
      bot: false,
      roles: [asRoleId('r-mods')],
      moderator: false,
    });
    await threeOldQuestions(w);
    await scanAndNudge(w.store, w.guildId, T0);
    const sent = escalations(w);
    expect(sent.map((r) => [r.action.type, (r.action as { memberId?: string }).memberId])).toEqual([
      ['dm.send', 'rita'],
    ]);
    for (const title of TITLES) expect(contentOf(sent[0]!.action)).toContain(title);
  });
});
