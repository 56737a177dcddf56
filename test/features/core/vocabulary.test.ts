/**
 * A community's words (vocabulary.ts readCommunityWords) on both engines: counted from the stored
 * terms, served from the cache until a member erases their data (in any process), then rebuilt.
 */
import { describe, expect, it } from 'vitest';
import { bumpCacheIn } from '../../../src/db/cacheWatch.js';
import { transaction } from '../../../src/db/database.js';
import { asGuildId } from '../../../src/events.js';
import { readCommunityWords } from '../../../src/features/core/vocabulary.js';
import { ENGINES, testConnections } from '../../helpers/engines.js';
import { seedMembers } from '../links/world.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);
const GUILD = asGuildId('g1');

describe.each(ENGINES)('community words on %s', (engine) => {
  it("GIVEN a community's messages THEN its words are counted, cached, and rebuilt after an erasure in another process", async () => {
    const [db, other] = await testConnections(engine, 2);
    await seedMembers(
      db!,
      { id: GUILD, platform: 'discord', name: 'G' },
      [
        ['a1', 'ann'],
        ['b1', 'bob'],
      ],
      NOW - 90 * DAY,
    );
    const { messages } = db!.tables;
    const post = (id: string, authorId: string, terms: string, at: number) => ({
      guildId: GUILD,
      messageId: id,
      channelId: 'c1',
      parentChannelId: 'c1',
      authorId,
      createdAt: at,
      terms,
    });
    await db!
      .insert(messages)
      .values([
        post('m1', 'a1', 'shader=shader vulkan=Vulkan', NOW - 3 * DAY),
        post('m2', 'b1', 'shader=shader', NOW - 2 * DAY),
      ]);
    const first = await readCommunityWords(db!, GUILD, NOW);
    expect(first.members).toBe(2);
    expect(first.messages).toBe(2);
    expect(first.memberUse.get('shader')).toBe(2);
    // Members using each word: ann said shader and vulkan, bob shader.
    expect([...first.memberUse]).toEqual([
      ['shader', 2],
      ['vulkan', 1],
    ]);
    // bob's rows change without an erasure mark: the cached words stay (a few hours' cache).
    await db!.insert(messages).values(post('m3', 'b1', 'vulkan=Vulkan', NOW - DAY));
    expect(await readCommunityWords(db!, GUILD, NOW)).toBe(first);
    // Another process erases a member: this one rebuilds at its next read.
    await transaction(other!, (tx) => bumpCacheIn(tx, 'erased', GUILD));
    const rebuilt = await readCommunityWords(db!, GUILD, NOW);
    expect(rebuilt).not.toBe(first);
    expect(rebuilt.messages).toBe(3);
    expect(rebuilt.memberUse.get('vulkan')).toBe(2);
  });
});
