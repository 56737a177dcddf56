/**
 * What members read, rendered from real replays (the demo's IRC samples and a year of the urho3d
 * forum): /meet, /profile show, /unanswered, an intro round's messages and question nudges. Every
 * topic word shown must be a word members of that community wrote (whole, as written: never a stem),
 * and never a member's name. CONVENE_PRINT=1 prints every message for reading.
 */
import { asc } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import meet from '../../commands/meet.js';
import profileShow from '../../commands/profileShow.js';
import unanswered from '../../commands/unanswered.js';
import { type CommandContext, type CommandDefinition, runCommand } from '../../src/commands.js';
import { outbox } from '../../src/db/schema.js';
import { asMemberId } from '../../src/events.js';
import { refreshProfiles, runRound } from '../../src/features/intros/service.js';
import { joinIntros } from '../../src/features/intros/store.js';
import { scanAndNudge } from '../../src/features/questions/service.js';
import { type Replayed, replayDemo, replayUrho3d } from '../helpers/replays.js';

const HOUR = 3_600_000;

interface Rendered {
  kind: string;
  text: string;
}

async function command(r: Replayed, def: CommandDefinition, memberId: string, options: Record<string, unknown> = {}) {
  const ctx: CommandContext = {
    platform: r.platform,
    guild: { id: r.guildId, name: r.name },
    member: { id: asMemberId(memberId), displayName: memberId, moderator: false },
    channelId: null,
    options: options as never,
    deps: r.deps,
    now: r.now,
  };
  const reply = await runCommand(def, ctx);
  return reply.kind === 'message' ? reply.body.content : '';
}

/** Everything a member reads from intros and questions, as the bot would send it. */
async function renderAll(r: Replayed, inIntros: number, askers: number): Promise<Rendered[]> {
  const { db } = r.deps;
  const members = r.active.slice(0, inIntros);
  for (const id of members) joinIntros(db, r.guildId, asMemberId(id), r.now - HOUR);
  refreshProfiles(db, r.guildId, r.now, true);
  const out: Rendered[] = [];
  for (const id of members.slice(0, askers)) {
    out.push({ kind: '/meet', text: await command(r, meet as CommandDefinition, id) });
    out.push({ kind: '/profile show', text: await command(r, profileShow as CommandDefinition, id) });
    out.push({ kind: '/unanswered', text: await command(r, unanswered as CommandDefinition, id) });
  }
  runRound(db, r.platform, r.guildId, 'wording', r.now);
  scanAndNudge(db, r.guildId, r.now);
  for (const row of db.select({ key: outbox.key, action: outbox.action }).from(outbox).orderBy(asc(outbox.id)).all()) {
    const action = row.action as { body?: { content?: string } };
    if (!/^(intros|questions):/.test(row.key) || !action.body?.content) continue;
    out.push({ kind: row.key.split(':').slice(0, 3).join(':'), text: action.body.content });
  }
  if (process.env.CONVENE_PRINT) for (const m of out) console.log(`--- ${r.name} ${m.kind}\n${m.text}`);
  return out;
}

/** The topic words a message shows, wherever a sentence names a topic. */
function topicWords(text: string): string[] {
  const found: string[] = [];
  const listed = (s: string) => s.split(/, | and /).map((w) => w.trim());
  for (const m of text.matchAll(/talk about ([^;.\n]+)/g)) found.push(...listed(m[1]!));
  for (const m of text.matchAll(/\*\*Talks about:\*\* ([^\n]+)/g)) found.push(...listed(m[1]!));
  for (const m of text.matchAll(
    /(?:questions?|written) about (.+?)(?= this month|,|;|\.|\n| in your answers| \d| today| yesterday| within|$)/g,
  ))
    found.push(m[1]!);
  for (const re of [
    /What got you into (.+?)\?/g,
    /working on with (.+?) at the moment/g,
    /about (.+?) you wish/g,
    /most interesting (.+?) problem/g,
  ])
    for (const m of text.matchAll(re)) found.push(m[1]!);
  // Escapes added for Discord markdown are not part of the word.
  return found.map((w) => w.replace(/\\(.)/g, '$1').replace(/\*\*/g, '')).filter(Boolean);
}

const wholeWord = (word: string) =>
  new RegExp(`(?<![\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'u');

function checkWords(r: Replayed, rendered: Rendered[]) {
  const names = new Set(r.names.map((n) => n.toLowerCase()));
  const problems: string[] = [];
  const shown = new Set<string>();
  for (const m of rendered) {
    for (const word of topicWords(m.text)) {
      shown.add(word);
      const re = wholeWord(word);
      if (!r.texts.some((t) => re.test(t))) problems.push(`${m.kind}: "${word}" is not a word members wrote`);
      if (names.has(word.toLowerCase())) problems.push(`${m.kind}: "${word}" is a member's name`);
    }
  }
  return { problems, shown };
}

describe('what members read, from real replays', () => {
  it('GIVEN the demo community (Ubuntu IRC) THEN every topic word shown is one its members wrote, whole, and no name', async () => {
    const r = await replayDemo(Date.UTC(2026, 2, 2, 12));
    const rendered = await renderAll(r, 24, 24);
    const { problems, shown } = checkWords(r, rendered);
    expect(problems).toEqual([]);
    expect(rendered.filter((m) => m.kind === '/meet').length).toBe(24);
    // Not vacuous: topics are named.
    expect(shown.size).toBeGreaterThan(3);
  }, 120_000);

  it("GIVEN a year of the urho3d forum THEN every topic word shown is one its members wrote, whole, no name and not the software's name; the most active helpers get someone to meet", async () => {
    const r = await replayUrho3d('2020-02-14', '2021-02-14');
    const rendered = await renderAll(r, 180, 12);
    const { problems, shown } = checkWords(r, rendered);
    expect(problems).toEqual([]);
    expect([...shown].map((w) => w.toLowerCase())).not.toContain('urho3d');
    expect(shown.size).toBeGreaterThan(10);
    const meets = rendered.filter((m) => m.kind === '/meet');
    expect(meets.filter((m) => !/No one stands out/.test(m.text)).length).toBeGreaterThanOrEqual(9);
  }, 300_000);
});
