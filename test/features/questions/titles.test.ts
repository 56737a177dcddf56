/**
 * Every question is named where it is listed or nudged: the thread's name, or the first line of the
 * asker's message in a help channel (kept as a short plain-text title, erased with the asker), with a
 * link that opens it — on a forum under the configured DISCOURSE_URL, scheme and sub-path included.
 */

import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import unanswered from '../../../commands/unanswered.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { questions } from '../../../src/db/schema.js';
import { asMemberId } from '../../../src/events.js';
import { applyRetention } from '../../../src/features/core/retention.js';
import type { DigestWindow } from '../../../src/features/digest/sources.js';
import { insertForum } from '../../../src/features/links/forumStore.js';
import { questionsFeature } from '../../../src/features/questions/feature.js';
import { questionLink } from '../../../src/features/questions/links.js';
import { scanAndNudge, waitingForDigest } from '../../../src/features/questions/service.js';
import { getQuestion } from '../../../src/features/questions/store.js';
import { questionTitle } from '../../../src/features/questions/title.js';
import { DAY, HOUR, makeCommunity, makeWorld, T0 } from './world.js';

type World = Awaited<ReturnType<typeof makeCommunity>>;

/** A help text channel where cy asks in a message (no thread). */
async function askInHelpChannel(w: World, content: string, at = T0 - 5 * HOUR): Promise<string> {
  await w.channel('support', 'support', 'text');
  return await w.message('cy', 'support', at, { content });
}

const textOf = (reply: Awaited<ReturnType<World['run']>>) => (reply.kind === 'message' ? reply.body.content : '');

describe('questionTitle (pure)', () => {
  it.each([
    [
      'the first line, markup removed',
      '**Help!** `apt-get` fails on _jammy_?\nlog below',
      'Help! apt-get fails on jammy?',
    ],
    [
      'a fenced block skipped',
      '```\nE: unable to locate\n```\nwhy does apt say unable to locate?',
      'why does apt say unable to locate?',
    ],
    [
      'mentions dropped, custom emoji by name',
      '<@123> <:wave:99> how do I mount an ntfs drive?',
      ':wave: how do I mount an ntfs drive?',
    ],
    ['a link kept as its text', 'see [the wiki](https://wiki.example/x) — still stuck?', 'see the wiki — still stuck?'],
    ['only a mention', '<@123>', null],
  ])('GIVEN %s THEN the title is as written', async (_case, content, expected) => {
    expect(questionTitle(content)).toBe(expected);
  });

  it('GIVEN a long first line THEN the title is cut at a word, under 100 characters, with an ellipsis', async () => {
    const long = `how do I ${'configure the network bridge '.repeat(10)}?`;
    const t = questionTitle(long)!;
    expect(t.length).toBeLessThanOrEqual(100);
    expect(t.endsWith('…')).toBe(true);
    expect(long.startsWith(t.slice(0, -1).trimEnd())).toBe(true);
  });
});

describe('every question named', () => {
  it('GIVEN a question asked in a help channel THEN the digest and /unanswered show its first line, escaped, with a link to the message', async () => {
    const w = await makeCommunity();
    const id = await askInHelpChannel(w, 'How do I set **sshd_config** to allow @everyone?\nthe rest of my message');
    expect((await getQuestion(w.store, w.guildId, id))?.title).toBe('How do I set sshd_config to allow @everyone?');
    const waiting = await waitingForDigest(w.store, w.guildId, T0);
    expect(waiting.map((q) => q.title)).toEqual(['How do I set sshd_config to allow @everyone?']);
    expect(waiting[0]!.url).toBe(`https://discord.com/channels/${w.guildId}/support/${id}`);
    const text = textOf(await w.run(unanswered, {}, { id: 'ada' }));
    expect(text).not.toContain('A question in #');
    // Shown as text: markdown escaped, @everyone defused.
    expect(text).toContain(
      `[How do I set sshd\\_config to allow @\u200beveryone?](https://discord.com/channels/${w.guildId}/support/${id})`,
    );
  });

  it('GIVEN a question stored before titles were kept THEN it is named from what is stored, never "A question in #"', async () => {
    const w = await makeCommunity();
    const id = await askInHelpChannel(w, 'Why does the shader compiler crash on vulkan?');
    await w.post('q2', 'help', 'eve', 'replication lag over the network', T0 - 6 * HOUR, { body: 'why so slow?' });
    w.db.update(questions).set({ title: null }).where(eq(questions.guildId, w.guildId)).run();
    const titles = new Map((await waitingForDigest(w.store, w.guildId, T0)).map((q) => [q.threadId, q.title]));
    expect(titles.get('q2')).toBe('replication lag over the network');
    // No text is kept (storeMessageText off): the asker and the question's own words as they wrote them.
    expect(titles.get(id)).toMatch(/^cy asked about .*(shader|compiler|vulkan)/);
    for (const t of titles.values()) expect(t).not.toMatch(/^A question/);
  });

  it("GIVEN a help-channel question THEN its kept title is in the asker's export, and gone after the retention period", async () => {
    const w = await makeCommunity();
    const id = await askInHelpChannel(w, 'How do I bake lightmaps in the editor?', T0 - 3 * DAY);
    const exported = (await questionsFeature.privacy!.export(sqliteDatabase(w.db), w.guildId, asMemberId('cy'))) as {
      questionsAsked: { questionId: string; title: string | null }[];
    };
    expect(exported.questionsAsked.find((q) => q.questionId === id)?.title).toBe(
      'How do I bake lightmaps in the editor?',
    );
    await w.settings((s) => ({ ...s, core: { ...s.core, retentionDays: 2 } }));
    await applyRetention(w.store, w.guildId, T0);
    expect((await getQuestion(w.store, w.guildId, id))?.title).toBeNull();
    // A thread's name is the channel's: kept.
    expect((await getQuestion(w.store, w.guildId, 'old5'))?.title).toBe('network lag and replication jitter');
  });

  it('GIVEN the asker erases their data THEN the title kept for their question is gone', async () => {
    const w = await makeCommunity();
    await askInHelpChannel(w, 'How do I bake lightmaps in the editor?');
    await questionsFeature.privacy!.erase(sqliteDatabase(w.db), w.guildId, asMemberId('cy'));
    const left = w.db
      .select({ title: questions.title })
      .from(questions)
      .where(and(eq(questions.guildId, w.guildId)))
      .all()
      .filter((r) => r.title?.includes('lightmaps'));
    expect(left).toEqual([]);
  });

  it('GIVEN a question waiting for its peer nudge THEN the nudge names it and links to it', async () => {
    const w = await makeCommunity();
    await w.post('q1', 'help', 'cy', 'vulkan shader crash on startup', T0 - 5 * HOUR, {
      body: 'my vulkan shader crashes, why?',
    });
    await scanAndNudge(w.store, w.guildId, T0);
    const nudge = w.outbox().find((r) => r.key.startsWith('questions:nudge:'));
    expect(nudge).toBeDefined();
    const body = (nudge!.action as { body: { content: string } }).body.content;
    expect(body).toContain('vulkan shader crash on startup');
    expect(body).toContain(`https://discord.com/channels/${w.guildId}/q1`);
  });
});

describe('forum links', () => {
  it.each([
    ['a forum at the root', 'https://forum.example', 'https://forum.example/t/16'],
    [
      'a forum under a sub-path, trailing slash',
      'https://example.org/community/',
      'https://example.org/community/t/16',
    ],
    ['a forum served over http', 'http://forum.example:8080/', 'http://forum.example:8080/t/16'],
  ])('GIVEN %s THEN the topic link keeps its scheme and path', async (_case, forumUrl, expected) => {
    const host = new URL(forumUrl).host;
    expect(questionLink('discourse', `discourse:${host}`, '16', null, [forumUrl])).toBe(expected);
  });

  it('GIVEN a forum connected by command under a sub-path, over http THEN the digest lists its waiting topics with links to its address', async () => {
    const w = makeWorld('discourse:example.org:8080', 'discourse');
    await w.guild();
    await w.channel('category:4', 'Support', 'forum');
    await w.join('7');
    await w.post('16', 'category:4', '7', 'Physics jitter after upgrade', T0 - 5 * HOUR, { body: 'any idea why?' });
    await insertForum(w.store, {
      id: 'f1',
      guildId: 'discord-guild',
      forumGuildId: 'discourse:example.org:8080',
      url: 'http://example.org:8080/community',
      title: 'Example forum',
      apiUsername: 'convene',
      apiKeySealed: 'sealed',
      webhookSecretSealed: 'sealed',
      connectedBy: 'ada',
      connectedAt: T0 - DAY,
    });
    const week = { guildId: w.guildId, platform: 'discourse', start: T0 - 7 * DAY, end: T0, timezone: 'UTC', now: T0 };
    const waiting = await questionsFeature.digest!.waitingQuestions!(w.deps(), week as DigestWindow);
    expect(waiting).toMatchObject([
      { title: 'Physics jitter after upgrade', url: 'http://example.org:8080/community/t/16' },
    ]);
  });

  it('GIVEN a forum under a sub-path THEN the digest links its waiting topics there', async () => {
    const w = makeWorld('discourse:example.org', 'discourse');
    await w.guild();
    await w.channel('category:4', 'Support', 'forum');
    await w.join('7');
    await w.post('16', 'category:4', '7', 'Physics jitter after upgrade', T0 - 2 * DAY, { body: 'any idea why?' });
    const [q] = await waitingForDigest(w.store, w.guildId, T0, 100, { forumUrls: ['https://example.org/community'] });
    expect(q).toMatchObject({ title: 'Physics jitter after upgrade', url: 'https://example.org/community/t/16' });
  });
});
