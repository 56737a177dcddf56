/** `npm start` as a person meets it: no token, a bad value, and the demo. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function start(env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('DISCORD_') && !k.startsWith('DISCOURSE_') && !k.startsWith('CONVENE_'),
    ),
  );
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...clean, DATABASE_URL: 'file::memory:', ...env },
    encoding: 'utf8',
    timeout: 30_000,
    // No .env in a fresh clone; make sure a developer's .env does not leak into the test.
    cwd: process.cwd(),
  });
}

describe('npm start', () => {
  it('GIVEN no DISCORD_TOKEN THEN it explains how to get one, points to the demo, and exits non-zero', () => {
    const result = start({ DISCORD_TOKEN: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DISCORD_TOKEN is not set');
    expect(result.stderr).toContain('npm run demo');
    expect(result.stderr).toContain('discord.com/developers/applications');
  });

  it.each([
    ['CONVENE_SCAN_INTERVAL', 'soon'],
    ['LOG_LEVEL', 'chatty'],
    ['DISCORD_API_URL', 'not a url'],
  ])('GIVEN %s=%s THEN start-up stops with one line naming the variable', (variable, value) => {
    const result = start({ DISCORD_TOKEN: 'x', [variable]: value });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Configuration error: ${variable}: `));
  });
});

describe('npm run demo -- --once', () => {
  it('GIVEN a fresh checkout THEN the demo replays the community, the bot acts, and it exits 0', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/sandbox/demo.ts', '--once'], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Convene stored \d{4} messages/);
    expect(result.stdout).toMatch(/\[bot\] DM to \S+ ← .*Welcome/);
    expect(result.stdout).toMatch(/ 0 @everyone pings/);
    // The Discourse forum beside it: a welcome PM and the digest as a new topic, through signed webhooks.
    expect(result.stdout).toMatch(/\[bot\] forum: PM to noor ← .*Welcome/);
    expect(result.stdout).toMatch(/\[bot\] forum: new topic “.+” in Community news/);
  }, 180_000);
});
