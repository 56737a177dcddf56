/**
 * What a nudge's "why" counts: the questions a member answered about a topic (answeredAbout) and in a
 * channel (answeredIn), on real SQLite with a community's own history (world.ts makeCommunity: ada
 * answered three questions in #help, two of them about shaders, bo two about replication).
 */
import { describe, expect, it } from 'vitest';
import { answeredAbout, answeredIn } from '../../../src/features/questions/communityStore.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

describe('how many questions a member answered', () => {
  it('GIVEN a history of answered questions THEN counts and the last answer by topic and by channel', async () => {
    const w = await makeCommunity();
    // old1..old5 were asked 20..16 days before T0 and answered an hour later.
    const answeredAt = (i: number) => T0 - (20 - i) * DAY + HOUR;
    expect(await answeredAbout(w.store, w.guildId, 'ada', 'shader')).toEqual({ count: 2, lastAt: answeredAt(1) });
    expect(await answeredAbout(w.store, w.guildId, 'ada', 'vulkan')).toEqual({ count: 2, lastAt: answeredAt(2) });
    expect(await answeredAbout(w.store, w.guildId, 'bo', 'replic')).toEqual({ count: 2, lastAt: answeredAt(4) });
    expect(await answeredAbout(w.store, w.guildId, 'bo', 'shader')).toEqual({ count: 0, lastAt: null });
    expect(await answeredIn(w.store, w.guildId, 'ada', 'help')).toEqual({ count: 3, lastAt: answeredAt(2) });
    expect(await answeredIn(w.store, w.guildId, 'bo', 'help')).toEqual({ count: 2, lastAt: answeredAt(4) });
    expect(await answeredIn(w.store, w.guildId, 'ada', 'general')).toEqual({ count: 0, lastAt: null });
    expect(await answeredIn(w.store, 'another-guild', 'ada', 'help')).toEqual({ count: 0, lastAt: null });
  });
});
