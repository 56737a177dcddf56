/**
 * What `npm run demo` prints while the bot works: whole words (a line is clipped at a word, never in
 * the middle of one), and a run of near-identical messages (a welcome DM to each newcomer) shown once
 * with a count, not one line each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Narrator, narrator } from '../../src/sandbox/demo/narrator.js';
import { type Community, join, makeCommunity, outboxSettled, startBot, waitFor } from './harness.js';

const NEWCOMERS = ['lumen', 'orrin', 'petra', 'quill', 'rosalind', 'sable', 'tamsin', 'ulric', 'vesna', 'wren'];

let community: Community;
let app: App;
let narrate: Narrator;
const printed: string[] = [];

beforeAll(async () => {
  community = await makeCommunity();
  app = await startBot(community);
  narrate = narrator(community.sandbox, { print: (line) => printed.push(line) });
  const { sandbox, guild, moderator } = community;
  await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene welcome set', { dm: true });
  narrate.section('— Newcomers arrive');
  for (const name of NEWCOMERS) join(community, name);
  await waitFor(() => NEWCOMERS.every((n) => sandbox.dmsTo(community.members[n]!).length > 0), 20_000, 'welcome DMs');
  await outboxSettled(app);
  narrate.flush();
  narrate.section('— Next');
}, 40_000);

afterAll(async () => {
  await app?.stop();
  await community?.sandbox.close();
});

/** The message as the narrator reads it: mentions as @names, one line. */
function readable(content: string): string {
  return content
    .replace(/<@!?(\d+)>/g, (_, id: string) => `@${community.sandbox.user(id)?.username ?? id}`)
    .replace(/<#(\d+)>/g, (_, id: string) => `#${community.sandbox.channel(id)?.name ?? id}`)
    .replace(/\s+/g, ' ')
    .trim();
}

describe('the demo narrator', () => {
  it('GIVEN ten welcome DMs THEN it prints the first one and "… and 9 more DMs like it", naming a few', () => {
    const welcomes = printed.filter((l) => /\[bot\] DM to \S+ ← /.test(l));
    expect(welcomes).toHaveLength(1);
    const summary = printed.find((l) => l.includes('more DMs like it'));
    expect(summary).toMatch(/\[bot\] … and 9 more DMs like it, to \S+, \S+, \S+ and 6 others$/);
    expect(printed.indexOf(summary!)).toBeLessThan(printed.indexOf('— Next'));
  });

  it('GIVEN a welcome longer than a line THEN the line ends with a whole word and "…"', () => {
    const line = printed.find((l) => /\[bot\] DM to \S+ ← /.test(l))!;
    const [, name, shown] = /\[bot\] DM to (\S+) ← (.*)$/.exec(line)!;
    const full = readable(community.sandbox.dmsTo(community.members[name!]!)[0]!.content);
    expect(full.length).toBeGreaterThan(shown!.length);
    expect(shown!.endsWith('…')).toBe(true);
    const kept = shown!.slice(0, -1);
    expect(full.startsWith(kept)).toBe(true);
    // The next character of the message is a space: the cut fell between words.
    expect(full[kept.length]).toMatch(/\s/);
    expect(kept).not.toMatch(/\s$/);
  });
});
