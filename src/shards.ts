/**
 * Which Discord shards this process runs, and so which guilds' work is its own. Several Convene
 * processes (on one machine or several) share the bot's guilds by shard: each connects to Discord for
 * its shards only, hears only their guilds' events and interactions, and schedules only their jobs.
 * Outbox rows are drained by any process (REST is not per shard).
 */
import type { RuntimeStatus } from './commands.js';
import type { Platform } from './events.js';
import { andList } from './text/list.js';

export interface ShardSet {
  /** The shards this process runs, ascending, each below `count`. */
  ids: readonly number[];
  /** How many shards the whole bot runs (all processes together). */
  count: number;
}

/** Discord's formula: a guild is on shard (guild_id >> 22) % shard_count. */
export function shardOfGuild(guildId: string, count: number): number {
  // Discord guild ids are snowflakes; anything else (a forum's id) has no shard and goes with 0.
  if (count <= 1 || !/^\d+$/.test(guildId)) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

/**
 * Whether this process does a guild's work. A Discord guild belongs to the process running its shard.
 * A forum is on no shard: it goes with shard 0, as Discord sends DMs to shard 0. One process takes it
 * (not every process racing for the run claims), a fixed one an operator can find, and a single
 * process setup needs nothing more.
 */
export function ownsGuild(shards: ShardSet, guild: { id: string; platform: Platform }): boolean {
  if (guild.platform !== 'discord') return shards.ids.includes(0);
  return shards.ids.includes(shardOfGuild(guild.id, shards.count));
}

/** Global slash commands are one registration for the whole bot: the process running shard 0 keeps it. */
export const syncsCommands = (shards: ShardSet): boolean => shards.ids.includes(0);

/** Shard ids from "0,2", "0-3" or "0-3,7"; a sentence saying what is wrong otherwise. */
export function parseShardIds(text: string): number[] | { error: string } {
  const ids = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!match) return { error: `expected shard ids such as 0,2 or 0-3 (got "${part}")` };
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) return { error: `expected a range from low to high such as 0-3 (got "${part}")` };
    // A range of millions would be a typo, and would fill memory before any check said so.
    if (to - from >= 10_000) return { error: `expected at most 10000 shards in one range (got "${part}")` };
    for (let id = from; id <= to; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** One shard's gateway connection changed: note it, and the Discord platform is up only while all are. */
export function markShard(status: RuntimeStatus, shards: ShardSet, id: number, connected: boolean, detail?: string) {
  const running = { ...status.shards?.running };
  for (const own of shards.ids) running[own] ??= { connected: false, detail: 'connecting' };
  running[id] = detail ? { connected, detail } : { connected };
  status.shards = { count: shards.count, running };
  const down = shards.ids.filter((own) => !running[own]!.connected);
  if (down.length === 0) status.platforms.discord = { connected: true };
  else if (shards.count === 1) status.platforms.discord = { connected: false, detail: running[0]?.detail ?? 'down' };
  else {
    const why = down.map((own) => `shard ${own} ${running[own]!.detail ?? 'down'}`).join(', ');
    status.platforms.discord = { connected: false, detail: why };
  }
}

/** For /convene status: "Discord shards here: 0 and 2 of 3 (shard 2: reconnecting) · this server is on shard 2". */
export function describeShards(status: RuntimeStatus, serverShard: number | null): string | null {
  const state = status.shards;
  if (!state || state.count <= 1) return null;
  const ids = Object.keys(state.running)
    .map(Number)
    .sort((a, b) => a - b);
  const down = ids.filter((id) => !state.running[id]!.connected);
  const health = down.length
    ? down.map((id) => `shard ${id}: ${state.running[id]!.detail ?? 'down'}`).join(', ')
    : 'all connected';
  const here = serverShard === null ? '' : ` · this server is on shard ${serverShard}`;
  return `Discord shards in this process: ${andList(ids.map(String))} of ${state.count} (${health})${here}`;
}
