/**
 * Fault suite — downtime: the real bot (src/main.ts as a child process) is killed with SIGKILL while
 * members post, react, take reactions back, edit and delete; they carry on while it is down (800
 * messages in one channel among them); it is restarted. Afterwards the store must match the platform:
 * no message lost, reactions as Discord has them (those a feature counts member by member, others
 * by number), deletions applied, edits re-derived.
 * The operations come from a seeded generator, so a failure replays.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connection.js';
import { snowflakeTime } from '../../src/events.js';
import { features } from '../../src/features/index.js';
import type { MessageRecord } from '../../src/sandbox/discord/model.js';
import { storedTermsOf } from '../../src/text/tokenize.js';
import { botOutput, type Community, makeCommunity, spawnBot, waitFor } from '../e2e/harness.js';

let community: Community | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await community?.sandbox.close();
  community = undefined;
});

/** mulberry32: a small seeded PRNG, so every run of a seed does the same things. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['vulkan', 'shader', 'descriptor', 'pipeline', 'texture', 'fence', 'buffer', 'compute', 'raster'];
const EMOJIS = ['✅', '👍', '🎉'];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('fault suite: downtime', () => {
  it.each([7, 4242])(
    'GIVEN seed %i: the bot is killed -9 amid posts, reactions, edits and deletes, and 800 messages come while it is down THEN after a restart the store matches Discord',
    async (seed) => {
      const random = prng(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
      community = await makeCommunity();
      const { sandbox, guild, members } = community;
      const authors = ['bob', 'cyd', 'dee', 'eve', 'ada'].map((n) => members[n]!);
      const channels = [guild.channels.general!, guild.channels.help!];
      const sentence = () => Array.from({ length: 5 }, () => pick(WORDS)).join(' ');

      const first = await spawnBot(community);
      children.push(first);
      // A question whose asker marks it solved while the bot is down.
      const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.eve!, {
        title: 'Why does my fence never signal?',
        content: 'I wait on the fence forever. What am I missing?',
      });
      const answer = sandbox.say(guild.id, post.thread.id, members.bob!, 'Pass the fence to vkQueueSubmit');
      const live: MessageRecord[] = [answer];
      for (let i = 0; i < 30; i++) live.push(sandbox.say(guild.id, pick(channels), pick(authors), sentence()));
      const watcher = openDb(community.dbPath);
      const storedCount = () =>
        (watcher.$client.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
      await waitFor(() => storedCount() >= live.length, 20_000, 'the first messages to be stored');
      watcher.$client.close();

      // The burst: reactions, posts, edits and deletions; the bot dies in the middle of it.
      const ops = 240;
      const killAt = 60 + Math.floor(random() * 120);
      const counts = { reactions: 0, posts: 0, edits: 0, deletes: 0 };
      for (let op = 0; op < ops; op++) {
        if (op === killAt) {
          first.kill('SIGKILL');
          await exited(first);
        }
        const alive = live.filter((m) => !m.deleted);
        const roll = random();
        if (roll < 0.5) {
          const target = pick(alive);
          const who = pick(authors);
          const emoji = pick(EMOJIS);
          const has = target.reactions.some((r) => r.emoji.name === emoji && r.userIds.includes(who));
          if (has) sandbox.unreact(target.channelId, target.id, who, emoji);
          else sandbox.react(target.channelId, target.id, who, emoji);
          counts.reactions++;
        } else if (roll < 0.75) {
          live.push(sandbox.say(guild.id, pick(channels), pick(authors), sentence()));
          counts.posts++;
        } else if (roll < 0.9) {
          const target = pick(alive.filter((m) => m.id !== answer.id));
          sandbox.editMessage(target.id, sentence());
          counts.edits++;
        } else {
          const target = pick(alive.filter((m) => m.id !== answer.id));
          sandbox.deleteMessage(target.id);
          counts.deletes++;
        }
        if (op % 4 === 0) await pause(5);
      }
      sandbox.react(post.thread.id, answer.id, members.eve!, '✅');
      const flood = Array.from({ length: 800 }, (_, i) =>
        sandbox.say(guild.id, guild.channels.general!, pick(authors), `${sentence()} ${i}`),
      );

      const second = await spawnBot(community);
      children.push(second);
      // Life goes on during the catch-up.
      const during = Array.from({ length: 10 }, () =>
        sandbox.say(guild.id, guild.channels.help!, pick(authors), sentence()),
      );
      await waitFor(() => botOutput(second).includes('"msg":"backfill done"'), 60_000, 'the backfill to finish');
      const db = openDb(community.dbPath);
      const storedIds = () =>
        new Set(
          (db.$client.prepare('SELECT message_id FROM messages').all() as { message_id: string }[]).map(
            (r) => r.message_id,
          ),
        );
      await waitFor(() => during.every((m) => storedIds().has(m.id)), 20_000, 'the live messages');
      second.kill('SIGTERM');
      await exited(second);

      // Compare the store with Discord.
      const row = (id: string) =>
        db.$client.prepare('SELECT terms, deleted_at FROM messages WHERE message_id = ?').get(id) as
          | { terms: string; deleted_at: number | null }
          | undefined;
      const reactionsOf = (id: string) =>
        (
          db.$client.prepare('SELECT member_id, emoji FROM reactions WHERE message_id = ?').all(id) as {
            member_id: string;
            emoji: string;
          }[]
        )
          .map((r) => `${r.member_id} ${r.emoji}`)
          .sort();
      const everything = [post.message, ...live, ...flood, ...during];
      const present = everything.filter((m) => !m.deleted);
      const lost = present.filter((m) => !row(m.id));
      const floodLost = flood.filter((m) => !row(m.id));
      const deletedKept = everything.filter((m) => m.deleted && row(m.id) && row(m.id)!.deleted_at === null);
      const edited = present.filter((m) => m.editedAt !== null);
      const staleEdits = edited.filter((m) => row(m.id) && row(m.id)!.terms !== storedTermsOf(m.content));
      // Reactions a feature counts (✅, 👍…) must match member by member; others by their number per
      // emoji: for those a backfill lists who reacted only when the number changed, so a swap made
      // while down (one member takes theirs back, another adds the same) stays unseen — counted apart.
      const counted = (emoji: string) => features.some((f) => f.countsReaction?.(emoji));
      const onDiscord = (m: MessageRecord) => m.reactions.flatMap((r) => r.userIds.map((u) => `${u} ${r.emoji.name}`));
      const emojiOf = (pair: string) => pair.slice(pair.indexOf(' ') + 1);
      const oneSided = (a: string[], b: string[]) => {
        const inB = new Set(b);
        const inA = new Set(a);
        return [...a.filter((x) => !inB.has(x)), ...b.filter((x) => !inA.has(x))];
      };
      const reacted = present.filter((m) => m.reactions.length > 0 || reactionsOf(m.id).length > 0);
      let countedPairs = 0;
      let otherPairs = 0;
      const countedWrong: { id: string; pairs: string[] }[] = [];
      const otherCountsWrong: { id: string; emoji: string; discord: number; stored: number }[] = [];
      let unseenSwaps = 0;
      let allWrong = 0;
      for (const m of reacted) {
        const theirs = onDiscord(m);
        const ours = reactionsOf(m.id);
        allWrong += oneSided(theirs, ours).length;
        countedPairs += theirs.filter((p) => counted(emojiOf(p))).length;
        otherPairs += theirs.filter((p) => !counted(emojiOf(p))).length;
        const wrong = oneSided(theirs, ours);
        const exact = wrong.filter((p) => counted(emojiOf(p)));
        if (exact.length > 0) countedWrong.push({ id: m.id, pairs: exact });
        for (const emoji of new Set(wrong.map(emojiOf).filter((e) => !counted(e)))) {
          const discord = theirs.filter((p) => emojiOf(p) === emoji).length;
          const stored = ours.filter((p) => emojiOf(p) === emoji).length;
          if (discord !== stored) otherCountsWrong.push({ id: m.id, emoji, discord, stored });
          else unseenSwaps++;
        }
      }
      const solved = db.$client.prepare('SELECT solved_via FROM questions WHERE question_id = ?').get(post.thread.id) as
        | { solved_via: string | null }
        | undefined;
      db.$client.close();
      console.info(
        `downtime seed ${seed} (killed at op ${killAt} of ${ops}: ${JSON.stringify(counts)}): ` +
          `lost ${lost.length} of ${present.length} messages (${floodLost.length} of the 800 posted while down), ` +
          `reactions missing or left over ${allWrong} (${countedPairs + otherPairs} on Discord): ` +
          `of those features count ${countedWrong.reduce((n, w) => n + w.pairs.length, 0)} of ${countedPairs}, ` +
          `others with a wrong count ${otherCountsWrong.length} (unseen swaps ${unseenSwaps}), ` +
          `stale edits ${staleEdits.length} of ${edited.length}, deletes not applied ${deletedKept.length} of ${
            everything.filter((m) => m.deleted).length
          }, question solved via ${solved?.solved_via ?? 'nothing'}`,
      );
      expect(lost.map((m) => m.id)).toEqual([]);
      expect(countedWrong).toEqual([]);
      expect(otherCountsWrong).toEqual([]);
      expect(staleEdits.map((m) => m.id)).toEqual([]);
      expect(deletedKept.map((m) => m.id)).toEqual([]);
      expect(solved?.solved_via).toMatch(/reaction/);
    },
    180_000,
  );
});

describe('fault suite: a crash in the middle of a backfill', () => {
  it('GIVEN the bot is killed -9 halfway through reading a long history THEN the restart resumes from that channel’s cursor and loses nothing', async () => {
    const DAY = 86_400_000;
    community = await makeCommunity({
      // Paced history reads (as Discord paces them), so the kill lands in the middle of the backfill.
      rateLimit: { routes: { 'GET /channels/:channel_id/messages': { limit: 1, windowMs: 150 } } },
    });
    const { sandbox, guild, members } = community;
    const start = Date.now() - 10 * DAY;
    const history = Array.from({ length: 2000 }, (_, i) =>
      sandbox.say(guild.id, guild.channels.general!, i % 2 ? members.bob! : members.cyd!, `history ${i}`, {
        at: start + i * 5 * 60_000 - (i % 7),
      }),
    );
    const reads = () =>
      sandbox.requests.filter(
        (r) => r.method === 'GET' && r.path === `/channels/${guild.channels.general}/messages` && r.status === 200,
      );

    const first = await spawnBot(community);
    children.push(first);
    await waitFor(() => reads().length >= 9, 60_000, 'half of the history to be read');
    first.kill('SIGKILL');
    await exited(first);
    const firstRun = reads();
    const lastAfter = firstRun.at(-1)!.query.after!;

    const second = await spawnBot(community);
    children.push(second);
    await waitFor(() => botOutput(second).includes('"msg":"backfill done"'), 60_000, 'the backfill to finish');
    const secondRun = reads().slice(firstRun.length);
    second.kill('SIGTERM');
    await exited(second);

    // It went on from the last page it stored (less the day it always re-checks), not from the start.
    const resumedFrom = snowflakeTime(secondRun[0]!.query.after!);
    expect(resumedFrom).toBeGreaterThanOrEqual(snowflakeTime(lastAfter) - DAY - 1_000);
    expect(resumedFrom).toBeGreaterThan(start + DAY);
    expect(secondRun.length).toBeLessThan(20);
    const db = openDb(community.dbPath);
    const have = new Set(
      (db.$client.prepare('SELECT message_id FROM messages').all() as { message_id: string }[]).map(
        (r) => r.message_id,
      ),
    );
    db.$client.close();
    const lost = history.filter((m) => !have.has(m.id));
    console.info(
      `crash mid-backfill: first run read ${firstRun.length} pages, the restart ${secondRun.length} (20 for all), lost ${lost.length} of ${history.length}`,
    );
    expect(lost).toEqual([]);
  }, 120_000);
});
