/**
 * Sentences members read, checked against the demo's real replay (the Ubuntu IRC samples): what a
 * demanding reader found wrong in them, one case per defect. CONVENE_PRINT=1 prints what is read.
 */
import { and, eq, gte, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import meet from '../../commands/meet.js';
import unanswered from '../../commands/unanswered.js';
import { type CommandContext, type CommandDefinition, databaseOf, runCommand } from '../../src/commands.js';
import { sqliteDatabase } from '../../src/db/database.js';
import { channels, messages, outbox, questions } from '../../src/db/schema.js';
import { asChannelId, asMemberId, asMessageId, type CommunityEvent } from '../../src/events.js';
import { digestSources } from '../../src/features/digest/registry.js';
import { previewDigest } from '../../src/features/digest/service.js';
import { features } from '../../src/features/index.js';
import { refreshProfiles, runRound } from '../../src/features/intros/service.js';
import { joinIntros } from '../../src/features/intros/store.js';
import { handleEvent } from '../../src/features/journey/service.js';
import { changeSettings } from '../../src/guildSettings.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { type Replayed, replayDemo, replayUrho3d } from '../helpers/replays.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 2, 2, 12);
const print = (kind: string, text: string) => {
  if (process.env.CONVENE_PRINT) console.log(`--- ${kind}\n${text}`);
};

describe('what a reader finds in the demo replay', () => {
  it('GIVEN more than 100 questions waiting THEN the digest counts them all and lists the oldest first', async () => {
    const r = await replayDemo(NOW);
    const open = r.deps.db
      .select({ id: questions.questionId, askedAt: questions.askedAt })
      .from(questions)
      .where(
        and(
          eq(questions.guildId, r.guildId),
          eq(questions.answered, false),
          isNull(questions.solvedAt),
          gte(questions.askedAt, NOW - 30 * DAY),
        ),
      )
      .all()
      .sort((a, b) => a.askedAt - b.askedAt);
    // Not vacuous: the replay has more waiting questions than one page of them.
    expect(open.length).toBeGreaterThan(100);
    const digest = await previewDigest(r.deps, r.guildId, NOW, await digestSources());
    const waiting = digest.embeds?.flatMap((e) => e.fields ?? []).find((f) => /still waiting for help/.test(f.name));
    print('digest waiting', `${waiting?.name}\n${waiting?.value}`);
    expect(waiting?.name).toContain(`${open.length} questions still waiting for help`);
    expect(waiting?.value.split('\n')[0]).toContain(`/${open[0]!.id})`);
  }, 60_000);
});

async function commandText(r: Replayed, def: CommandDefinition, memberId: string): Promise<string> {
  const ctx: CommandContext = {
    platform: r.platform,
    guild: { id: r.guildId, name: r.name },
    member: { id: asMemberId(memberId), displayName: memberId, moderator: false },
    channelId: null,
    options: {} as never,
    deps: r.deps,
    now: r.now,
  };
  const reply = await runCommand(def, ctx);
  return reply.kind === 'message' ? reply.body.content : '';
}

describe('/unanswered on the demo replay', () => {
  it('GIVEN a member whose answers match none of the waiting questions THEN the list does not claim they suit them', async () => {
    const r = await replayDemo(NOW);
    const lists = await Promise.all(
      r.active.slice(0, 40).map((id) => commandText(r, unanswered as CommandDefinition, id)),
    );
    const bullets = (text: string) => text.split('\n').filter((l) => l.startsWith('• '));
    const reasonless = lists.filter((t) => bullets(t).length > 0 && bullets(t).every((l) => !l.includes(' · ')));
    // Not vacuous: some active members have no reason on any question.
    expect(reasonless.length).toBeGreaterThan(0);
    print('/unanswered without reasons', reasonless[0]!);
    for (const text of reasonless) expect(text).not.toMatch(/suit you/);
    const withReasons = lists.filter((t) => bullets(t).some((l) => l.includes(' · ')));
    expect(withReasons.length).toBeGreaterThan(0);
    for (const text of withReasons) expect(text.split('\n')[0]).toMatch(/suit you best/);
  }, 60_000);
});

describe('the welcome DM on the demo replay', () => {
  it("GIVEN Convene posted in its own #intros channel THEN a newcomer's welcome names only channels where members talk", async () => {
    const r = await replayDemo(NOW);
    const base = { platform: r.platform, guildId: r.guildId };
    const bot = asMemberId('convene-bot');
    const events: CommunityEvent[] = [
      // The channels the demo server has beside the replayed ones: a quiet #general-like room, and
      // the channel where Convene posts intro rounds (its own messages come back through the gateway).
      ...(['c-introductions', 'c-intros', 'c-welcome'] as const).map((id) => ({
        ...base,
        kind: 'channel.upserted' as const,
        at: NOW - 30 * DAY,
        channelId: asChannelId(id),
        name: id.slice(2),
        channelKind: 'text' as const,
        parentId: null,
        topic: null,
      })),
      {
        ...base,
        kind: 'member.joined',
        at: NOW - 30 * DAY,
        memberId: bot,
        username: 'Convene',
        displayName: 'Convene',
        bot: true,
        roles: [],
      },
      ...[1, 2, 3, 4, 5, 6].map((n) => ({
        ...base,
        kind: 'message.created' as const,
        at: NOW - n * HOUR,
        messageId: asMessageId(`bot-${n}`),
        channelId: asChannelId('c-intros'),
        authorId: bot,
        authorName: 'Convene',
        authorIsBot: true,
        replyToId: null,
        mentionIds: [],
        content: '👋 Meet someone! You both talk about apt.',
      })),
    ];
    await new Ingestor(r.deps, features).pushMany(events);
    // The newcomer joins at the replay's "now" (the ingestor hands the journey the wall clock).
    await handleEvent(
      databaseOf(r.deps),
      {
        ...base,
        kind: 'member.joined',
        at: NOW,
        memberId: asMemberId('newcomer'),
        username: 'newcomer',
        displayName: 'newcomer',
        bot: false,
        roles: [],
      },
      NOW,
    );
    const row = r.deps.db
      .select()
      .from(outbox)
      .where(eq(outbox.key, `welcome:${r.guildId}:newcomer`))
      .get();
    const text = (row?.action as { body?: { content?: string } } | undefined)?.body?.content ?? '';
    print('welcome', text);
    const named = [...(/People here talk in ([^.]+)\./.exec(text)?.[1] ?? '').matchAll(/<#([^>]+)>/g)].map((m) => m[1]);
    // Not vacuous: the welcome names the channels members do talk in.
    expect(named).toContain('c-help');
    expect(named).not.toContain('c-intros');
    const talked = new Set(
      r.deps.db
        .select({ c: messages.parentChannelId })
        .from(messages)
        .where(eq(messages.authorId, bot))
        .all()
        .map((m) => m.c),
    );
    expect(talked.has('c-intros')).toBe(true);
    for (const id of named) expect(['c-help', 'c-questions', 'c-general']).toContain(id);
  }, 60_000);
});

describe('an intro round of three on the urho3d forum', () => {
  it('GIVEN groups of three introduced by DM THEN each member is told only what is true of them: the channels "you are both active in" are ones they posted in', async () => {
    const r = await replayUrho3d('2020-02-14', '2021-02-14');
    const { db } = r.deps;
    for (const id of r.active.slice(0, 180))
      await joinIntros(sqliteDatabase(db), r.guildId, asMemberId(id), r.now - HOUR);
    await refreshProfiles(sqliteDatabase(db), r.guildId, r.now, true);
    // Groups of three: the demo community's settings for a round of trios.
    await changeSettings(
      sqliteDatabase(db),
      r.guildId,
      'system',
      'intros.set',
      (st) => ({ ...st, intros: { ...st.intros, size: 3 } }),
      r.now,
    );
    await runRound(sqliteDatabase(db), r.platform, r.guildId, 'trios', r.now);
    const channelIds = new Map(
      db
        .select()
        .from(channels)
        .where(eq(channels.guildId, r.guildId))
        .all()
        .map((c) => [c.name, c.channelId]),
    );
    const postedIn = (memberId: string, channelId: string) =>
      db
        .select({ id: messages.messageId })
        .from(messages)
        .where(
          and(
            eq(messages.guildId, r.guildId),
            eq(messages.authorId, memberId),
            eq(messages.parentChannelId, channelId),
          ),
        )
        .get() !== undefined;
    const problems: string[] = [];
    let checked = 0;
    for (const row of db.select().from(outbox).all()) {
      if (!row.key.startsWith(`intros:${r.guildId}:trios:`)) continue;
      const action = row.action as { memberId?: string; body?: { content?: string } };
      const text = action.body?.content ?? '';
      if (!/^👋 Meet .+ and .+!/.test(text)) continue;
      const active = /you are both active in ([^;.\n]+)/.exec(text);
      if (!active) continue;
      print('trio DM', text);
      for (const name of active[1]!.split(/, | and /)) {
        const id = channelIds.get(name.replace(/^#/, '').replace(/\\(.)/g, '$1'));
        checked++;
        if (!id || !postedIn(action.memberId!, id))
          problems.push(`${action.memberId} never posted in ${name}: "${text.split('\n')[0]}"`);
      }
    }
    expect(checked).toBeGreaterThan(3);
    expect(problems).toEqual([]);
  }, 120_000);
});

describe('/meet and intro rounds on the urho3d forum', () => {
  it("GIVEN a reason that starts with another member's name THEN the name is written as they write it (no capital added)", async () => {
    const r = await replayUrho3d('2020-02-14', '2021-02-14');
    const { db } = r.deps;
    for (const id of r.active.slice(0, 180))
      await joinIntros(sqliteDatabase(db), r.guildId, asMemberId(id), r.now - HOUR);
    await refreshProfiles(sqliteDatabase(db), r.guildId, r.now, true);
    const texts: string[] = [];
    for (const id of r.active.slice(0, 40)) texts.push(await commandText(r, meet as CommandDefinition, id));
    await runRound(sqliteDatabase(db), r.platform, r.guildId, 'names', r.now);
    for (const row of db.select().from(outbox).all())
      if (row.key.startsWith('intros:'))
        texts.push((row.action as { body?: { content?: string } }).body?.content ?? '');
    const names = new Set(r.names);
    const starts = texts.flatMap((t) =>
      [...t.matchAll(/(?:\*\* — |! )(\S+) (?:answered|is new here)/g)].map((m) => ({
        text: t,
        name: m[1]!.replace(/\\(.)/g, '$1'),
      })),
    );
    // "You answered …" is Convene's own word; any other opening word is a member's name.
    starts.splice(0, starts.length, ...starts.filter((s) => s.name !== 'You'));
    // Not vacuous: several reasons open with someone's name.
    expect(starts.length).toBeGreaterThan(3);
    print('reason opening with a name', starts[0]!.text);
    expect(starts.filter((s) => !names.has(s.name)).map((s) => s.name)).toEqual([]);
  }, 120_000);
});

describe('/unanswered lists on the demo replay, read closely', () => {
  it('GIVEN an asker who posted the same question twice THEN a list shows it once', async () => {
    const r = await replayDemo(NOW);
    const lists = await Promise.all(
      r.active.slice(0, 40).map((id) => commandText(r, unanswered as CommandDefinition, id)),
    );
    const titles = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('• '))
        .map((l) => /^• \[((?:\\.|[^\]\\])*)\]/.exec(l)?.[1] ?? l);
    const repeated = lists.filter((t) => new Set(titles(t)).size < titles(t).length);
    if (repeated[0]) print('/unanswered with a repeated question', repeated[0]);
    // Not vacuous: the lists name questions.
    expect(lists.flatMap(titles).length).toBeGreaterThan(100);
    expect(repeated.length).toBe(0);
  }, 60_000);

  it('GIVEN questions waiting under two days THEN their age is written out ("39 hours"), as nudges write it', async () => {
    const r = await replayDemo(NOW);
    const lists = await Promise.all(
      r.active.slice(0, 40).map((id) => commandText(r, unanswered as CommandDefinition, id)),
    );
    const ages = lists.flatMap((t) => [...t.matchAll(/— waiting ([^·\n]+?)(?: ·|$)/gm)].map((m) => m[1]!));
    expect(ages.length).toBeGreaterThan(100);
    // Not vacuous: some of them are under two days old.
    expect(ages.filter((a) => !/days$/.test(a)).length).toBeGreaterThan(0);
    expect(ages.filter((a) => !/^(\d+ hours?|\d+ days)$/.test(a))).toEqual([]);
  }, 60_000);
});

describe('an intro round of three in the intros channel', () => {
  it('GIVEN a trio introduced in one thread THEN the reason names the two it is about, not "you both" to three people', async () => {
    const r = await replayUrho3d('2020-02-14', '2021-02-14');
    const { db } = r.deps;
    for (const id of r.active.slice(0, 180))
      await joinIntros(sqliteDatabase(db), r.guildId, asMemberId(id), r.now - HOUR);
    await refreshProfiles(sqliteDatabase(db), r.guildId, r.now, true);
    await changeSettings(
      sqliteDatabase(db),
      r.guildId,
      'system',
      'intros.set',
      (st) => ({ ...st, intros: { ...st.intros, size: 3, channelId: 'category-16' } }),
      r.now,
    );
    await runRound(sqliteDatabase(db), r.platform, r.guildId, 'threads', r.now);
    const posts = db
      .select()
      .from(outbox)
      .all()
      .map((row) => row.action as { type: string; memberIds?: string[]; body?: { content?: string } })
      .filter((a) => a.type === 'thread.create' && (a.memberIds?.length ?? 0) === 3);
    // Not vacuous: trios were introduced in threads.
    expect(posts.length).toBeGreaterThan(3);
    print('trio thread', posts[0]!.body!.content!);
    const reasonLines = posts.map((p) => p.body!.content!.split('\n')[1]!);
    // "both" said to three people must say which two it means.
    expect(reasonLines.filter((l) => /\bboth\b/i.test(l) && !/^.+? and .+?: /.test(l))).toEqual([]);
  }, 120_000);
});

describe('/meet and intro rounds on the demo replay', () => {
  it('GIVEN a pair active in the same channel who talk with different circles THEN the reason does not also say they are "in different corners of the community"', async () => {
    const r = await replayDemo(NOW);
    const { db } = r.deps;
    for (const id of r.active.slice(0, 40))
      await joinIntros(sqliteDatabase(db), r.guildId, asMemberId(id), r.now - HOUR);
    await refreshProfiles(sqliteDatabase(db), r.guildId, r.now, true);
    const texts: string[] = [];
    for (const id of r.active.slice(0, 40)) texts.push(await commandText(r, meet as CommandDefinition, id));
    await runRound(sqliteDatabase(db), r.platform, r.guildId, 'corners', r.now);
    for (const row of db.select().from(outbox).all())
      if (row.key.startsWith('intros:'))
        texts.push((row.action as { body?: { content?: string } }).body?.content ?? '');
    const lines = texts.flatMap((t) => t.split('\n'));
    const bridged = lines.filter((l) => /different (corners|circles|people)/.test(l));
    // Not vacuous: pairs from different parts of the community are introduced.
    expect(bridged.length).toBeGreaterThan(0);
    print('bridge reason', bridged[0]!);
    expect(bridged.filter((l) => /both active in/.test(l) && /different corners/.test(l))).toEqual([]);
  }, 60_000);
});
