import { describe, expect, it } from 'vitest';
import type { RuntimeStatus } from '../src/commands.js';
import { describeShards, markShard, ownsGuild, parseShardIds, shardOfGuild, syncsCommands } from '../src/shards.js';

/** A snowflake whose timestamp part is `ms` (ms since Discord's epoch): its shard is ms % count. */
const snowflake = (ms: number, low = 0) => String((BigInt(ms) << 22n) | BigInt(low));

describe('shardOfGuild', () => {
  it.each([
    // A snowflake from Discord's documentation: its timestamp part (id >> 22) is 46977624770.
    ['197038439483310086', 1, 0],
    ['197038439483310086', 2, 0],
    ['197038439483310086', 3, 2],
    ['197038439483310086', 16, 2],
    [snowflake(3_000_000), 3, 0],
    [snowflake(3_000_001, 4_194_303), 3, 1],
    [snowflake(3_000_002), 3, 2],
    // The low 22 bits (worker, process, increment) never move a guild to another shard.
    [snowflake(3_000_002, 4_194_303), 3, 2],
  ])('GIVEN guild %s and %i shards THEN it is on shard %i', (guildId, count, shard) => {
    expect(shardOfGuild(guildId, count)).toBe(shard);
  });

  it('GIVEN an id that is no snowflake (a forum) THEN it goes with shard 0', () => {
    expect(shardOfGuild('discourse:forum.example', 3)).toBe(0);
  });
});

describe('ownsGuild', () => {
  const guilds = [0, 1, 2, 3, 4, 5].map((ms) => ({ id: snowflake(1_000_000 + ms), platform: 'discord' as const }));
  const forum = { id: 'discourse:forum.example', platform: 'discourse' as const };

  it('GIVEN three processes with one shard each THEN every guild has exactly one owner, the one running its shard', () => {
    const processes = [0, 1, 2].map((id) => ({ ids: [id], count: 3 }));
    for (const guild of guilds) {
      const owners = processes.filter((p) => ownsGuild(p, guild)).map((p) => p.ids[0]);
      expect(owners).toEqual([shardOfGuild(guild.id, 3)]);
    }
    // 1_000_000 % 3 = 1: the six guilds fall on shards 1, 2, 0, 1, 2, 0.
    expect(guilds.filter((g) => ownsGuild({ ids: [1], count: 3 }, g))).toEqual([guilds[0], guilds[3]]);
  });

  it('GIVEN two processes running shards 0,2 and 1 THEN the first owns the guilds of two shards', () => {
    expect(guilds.filter((g) => ownsGuild({ ids: [0, 2], count: 3 }, g))).toHaveLength(4);
    expect(guilds.filter((g) => ownsGuild({ ids: [1], count: 3 }, g))).toHaveLength(2);
  });

  it('GIVEN a forum guild THEN only the process running shard 0 owns it', () => {
    expect(ownsGuild({ ids: [0], count: 3 }, forum)).toBe(true);
    expect(ownsGuild({ ids: [1, 2], count: 3 }, forum)).toBe(false);
  });

  it('GIVEN one process with every shard (the default) THEN it owns every guild and syncs the commands', () => {
    const all = { ids: [0], count: 1 };
    expect([...guilds, forum].every((g) => ownsGuild(all, g))).toBe(true);
    expect(syncsCommands(all)).toBe(true);
    expect(syncsCommands({ ids: [1, 2], count: 3 })).toBe(false);
  });
});

describe('parseShardIds', () => {
  it.each([
    ['0', [0]],
    ['0,2', [0, 2]],
    [' 2 , 0 ', [0, 2]],
    ['0-3', [0, 1, 2, 3]],
    ['4-5,0,1-2', [0, 1, 2, 4, 5]],
    ['1,1,0-1', [0, 1]],
  ])('GIVEN "%s" THEN %j', (text, ids) => {
    expect(parseShardIds(text)).toEqual(ids);
  });

  it.each([
    ['a', /shard ids such as 0,2/],
    ['0,,2', /shard ids such as 0,2/],
    ['-1', /shard ids such as 0,2/],
    ['1.5', /shard ids such as 0,2/],
    ['3-1', /from low to high/],
    ['0-99999999', /at most 10000/],
  ])('GIVEN "%s" THEN a sentence saying what is wrong', (text, message) => {
    const parsed = parseShardIds(text);
    expect(Array.isArray(parsed)).toBe(false);
    expect((parsed as { error: string }).error).toMatch(message);
  });
});

describe('shard status', () => {
  const fresh = (): RuntimeStatus => ({
    startedAt: 0,
    platforms: {},
    intents: { messageContent: true, guildMembers: true },
  });
  const here = { ids: [0, 2], count: 3 };

  it('GIVEN both shards of a process connected, then one reconnecting THEN Discord is down naming that shard', () => {
    const status = fresh();
    for (const id of here.ids) markShard(status, here, id, true);
    expect(status.platforms.discord).toEqual({ connected: true });
    expect(describeShards(status, 2)).toBe(
      'Discord shards in this process: 0 and 2 of 3 (all connected) · this server is on shard 2',
    );
    markShard(status, here, 2, false, 'reconnecting');
    expect(status.platforms.discord).toEqual({ connected: false, detail: 'shard 2 reconnecting' });
    expect(status.shards?.running).toEqual({ 0: { connected: true }, 2: { connected: false, detail: 'reconnecting' } });
    expect(describeShards(status, 0)).toBe(
      'Discord shards in this process: 0 and 2 of 3 (shard 2: reconnecting) · this server is on shard 0',
    );
    markShard(status, here, 2, true);
    expect(status.platforms.discord).toEqual({ connected: true });
  });

  it('GIVEN one shard for the whole bot THEN the details stay as before and status adds no shard line', () => {
    const status = fresh();
    const one = { ids: [0], count: 1 };
    markShard(status, one, 0, false, 'disconnected (1006)');
    expect(status.platforms.discord).toEqual({ connected: false, detail: 'disconnected (1006)' });
    expect(describeShards(status, 0)).toBeNull();
  });
});
