/**
 * `npm run cluster -- --check`, the README's local three-process Convene: one REST proxy, three
 * processes with one shard each on one local PostgreSQL database, one emulator server per shard.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm run cluster', () => {
  it('GIVEN three shards WHEN the cluster script starts THEN each process runs its own shard on one PostgreSQL database, healthy, and all stop', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/cluster.ts', '--check'], {
      encoding: 'utf8',
      timeout: 100_000,
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/database: postgres:\/\/postgres:<redacted>@127\.0\.0\.1:\d+\/convene/);
    const servers = [...run.stdout.matchAll(/is on shard (\d)/g)].map((m) => Number(m[1])).sort();
    expect(servers).toEqual([0, 1, 2]);
    for (const shard of [0, 1, 2]) {
      const line = run.stdout.split('\n').find((l) => l.startsWith(`shard ${shard}: {`));
      expect(line, run.stdout).toBeDefined();
      const health = JSON.parse(line!.slice(`shard ${shard}: `.length)) as {
        ok: boolean;
        shards: { count: number; running: { id: number; up: boolean }[] };
      };
      expect(health.ok).toBe(true);
      expect(health.shards).toEqual({ count: 3, running: [{ id: shard, up: true }] });
    }
    expect(run.stdout).toContain('every process is healthy');
  }, 120_000);
});
