/**
 * How long a question waited, as a nudge says it: a server may nudge after 10 minutes
 * (`convene questions set after:10m`), so a wait under an hour is said in minutes, not "0 hours".
 */
import { describe, expect, it } from 'vitest';
import { awayNudgeBody, peerNudgeBody } from '../../../src/features/questions/nudgeWords.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 3, 12, 0);
const question = { title: 'Vulkan descriptor sets keep getting invalidated', url: 'https://discord.com/channels/1/2' };
const peer = { memberId: '42', reasons: [] };
const firstLine = (waitedMs: number) =>
  peerNudgeBody({ askedAt: T0 - waitedMs }, [peer], new Map(), T0, question).content.split('\n')[0];

describe('how long a question waited', () => {
  it.each([
    [15, 'waiting 15 minutes without a reply'],
    [1, 'waiting 1 minute without a reply'],
    [59, 'waiting 59 minutes without a reply'],
    [60, 'waiting 1 hour without a reply'],
    [5 * 60, 'waiting 5 hours without a reply'],
    [72 * 60, 'waiting 3 days without a reply'],
  ])('GIVEN a question asked %i minutes ago THEN the peer nudge says "%s"', (minutes, words) => {
    expect(firstLine(minutes * MINUTE)).toContain(words);
  });

  it('GIVEN a 12-minute wait THEN the nudge on the other platform says minutes too', () => {
    const body = awayNudgeBody({ askedAt: T0 - 12 * MINUTE }, { ...question, platformName: 'Discord' }, peer, {}, T0);
    expect(body.content).toContain('waiting 12 minutes without a reply');
    expect(body.content).not.toContain('0 hours');
  });
});
