import { join } from 'node:path';
import { CandidateIndex } from '../src/features/intros/candidates.js';
import {
  baselines,
  decayedActivity,
  evaluateMethod,
  type Interaction,
  type MethodResult,
  positivesHubShare,
  splitInteractions,
} from '../src/features/intros/linkPrediction.js';
import { cleanEdges, greedyPairs, matchingScore, matchPairs, type ScoredEdge } from '../src/features/intros/match.js';
import { buildProfiles, type ProfileMessage, type ThreadInfo, titleTerms } from '../src/features/intros/profile.js';
import { emptyHistory, type ScoreContext, scorePair } from '../src/features/intros/score.js';
import { splitTerms, termsOf } from '../src/text/tokenize.js';
import { type ArchivePost as Post, readJsonl, type ArchiveTopic as Topic } from './archive.js';

export interface Archive {
  interactions: Interaction[];
  messages: (ProfileMessage & { id: string })[];
  threads: Map<string, ThreadInfo & { createdAt: number }>;
  start: number;
  end: number;
}

/**
 * Read an archive into interactions (reply-to, else first quote, else topic opener) and the
 * messages the profile builder takes (terms only).
 */
export function readArchive(dir: string): Archive {
  const posts = readJsonl<Post>(join(dir, 'posts.jsonl.gz')).filter((p) => p.post_type === 1);
  const topics = readJsonl<Topic>(join(dir, 'topics.jsonl.gz'));
  const idOfName = new Map<string, string>();
  for (const p of posts) if (p.username) idOfName.set(p.username.toLowerCase(), String(p.user_id));
  const authorOf = new Map<string, string>();
  for (const p of posts) authorOf.set(`${p.topic_id}:${p.post_number}`, String(p.user_id));
  const openerOf = new Map<number, string>();
  for (const t of topics) openerOf.set(t.topic_id, String(t.user_id));
  for (const p of posts) if (p.post_number === 1) openerOf.set(p.topic_id, String(p.user_id));

  const threads = new Map<string, ThreadInfo & { createdAt: number }>();
  const categoryOf = new Map<number, string>();
  for (const t of topics) {
    categoryOf.set(t.topic_id, `category:${t.category_id ?? 'none'}`);
    threads.set(String(t.topic_id), {
      titleTerms: titleTerms(t.title),
      tags: t.tags ?? [],
      openerId: openerOf.get(t.topic_id) ?? null,
      createdAt: Date.parse(t.created_at),
    });
  }

  const interactions: Interaction[] = [];
  const messages: (ProfileMessage & { id: string })[] = [];
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const p of posts) {
    const at = Date.parse(p.created_at);
    start = Math.min(start, at);
    end = Math.max(end, at);
    const author = String(p.user_id);
    let target: string | null = null;
    if (p.post_number !== 1) {
      if (p.reply_to_post_number) target = authorOf.get(`${p.topic_id}:${p.reply_to_post_number}`) ?? null;
      if (!target && p.quotes?.[0]?.username) target = idOfName.get(p.quotes[0].username.toLowerCase()) ?? null;
      if (!target) target = openerOf.get(p.topic_id) ?? null;
    }
    if (target === author) target = null;
    if (target) interactions.push({ a: author, b: target, at });
    messages.push({
      id: `${p.topic_id}:${p.post_number}`,
      authorId: author,
      channelId: categoryOf.get(p.topic_id) ?? 'category:none',
      threadId: String(p.topic_id),
      createdAt: at,
      terms: splitTerms(termsOf(p.text)),
      repliesToId: target,
      mentionIds: (p.mentions ?? [])
        .map((m) => idOfName.get(String(m).toLowerCase()))
        .filter((x): x is string => !!x && x !== author),
      opensThread: p.post_number === 1,
      accepted: p.accepted_answer,
    });
  }
  return { interactions, messages, threads, start, end };
}

/** Default split: the start of the last 20% of the archive's time span. */
export const defaultCutoff = (archive: Archive) => archive.start + 0.8 * (archive.end - archive.start);

/** Convene's scorer over the archive as it stood at `cutoff` (every core member consenting). */
export function conveneContext(archive: Archive, members: readonly string[], cutoff: number): ScoreContext {
  // The acceptance time is not in the archive: only count answers accepted well before the cut-off.
  const settled = cutoff - 30 * 86_400_000;
  const messages = archive.messages.map((m) => (m.accepted && m.createdAt >= settled ? { ...m, accepted: false } : m));
  const threads = new Map([...archive.threads].filter(([, t]) => t.createdAt < cutoff));
  const { profiles, stats } = buildProfiles(
    { members: members.map((memberId) => ({ memberId })), messages, threads },
    cutoff,
  );
  return { profiles, stats, consented: new Set(members), history: emptyHistory(), now: cutoff };
}

export interface EvalReport {
  cutoff: string;
  core: number;
  candidatePairs: number;
  newPairs: number;
  /** Share of the true new pairs that involve a hub (top 1% by degree). */
  newPairsHubShare: number;
  methods: Record<string, MethodResult>;
  matching: {
    pool: number;
    edges: number;
    blossom: { total: number; pairs: number };
    greedy: { total: number; pairs: number };
    greedyLoss: number;
  };
}

export function evaluateArchive(archive: Archive, cutoff: number): EvalReport {
  const split = splitInteractions(archive.interactions, cutoff);
  const ctx = conveneContext(archive, split.core, cutoff);
  const methods: Record<string, MethodResult> = {};
  for (const [name, fn] of Object.entries(baselines(split))) methods[name] = evaluateMethod(split, fn);
  methods.decayed_activity = evaluateMethod(
    split,
    decayedActivity(
      archive.messages.map((m) => ({ memberId: m.authorId, at: m.createdAt })),
      cutoff,
    ),
  );
  methods.convene = evaluateMethod(split, (a, b) => scorePair(a, b, ctx)?.score ?? 0);

  // The round the bot would run: the pool is who would plausibly have joined (core members active
  // in the 90 days before the cut-off), candidate edges from the index, then blossom vs greedy.
  const pool = split.core.filter((id) => (ctx.profiles.get(id)?.lastActiveAt ?? 0) >= cutoff - 90 * 86_400_000);
  const roundCtx: ScoreContext = { ...ctx, consented: new Set(pool) };
  const index = new CandidateIndex(roundCtx);
  const pos = new Map(pool.map((id, i) => [id, i]));
  const edges: ScoredEdge[] = [];
  for (const id of pool) {
    for (const s of index.bestFor(id, 8)) edges.push({ a: pos.get(s.a)!, b: pos.get(s.b)!, score: s.score });
  }
  const clean = cleanEdges(edges);
  const n = pool.length;
  const blossom = matchPairs(n, clean, false);
  const greedy = greedyPairs(n, clean);
  const count = (mate: Int32Array) => mate.filter((j, i) => j > i).length;
  const blossomTotal = matchingScore(blossom, clean);
  const greedyTotal = matchingScore(greedy, clean);
  const core = split.core.length;
  const corePos = new Set(split.core);
  let adjacent = 0;
  for (const id of split.core) for (const x of split.train.get(id)!) if (corePos.has(x)) adjacent++;
  return {
    cutoff: new Date(cutoff).toISOString().slice(0, 10),
    core,
    candidatePairs: (core * (core - 1)) / 2 - adjacent / 2,
    newPairs: split.positives.size,
    newPairsHubShare: positivesHubShare(split),
    methods,
    matching: {
      pool: n,
      edges: clean.length,
      blossom: { total: blossomTotal, pairs: count(blossom) },
      greedy: { total: greedyTotal, pairs: count(greedy) },
      greedyLoss: blossomTotal === 0 ? 0 : 1 - greedyTotal / blossomTotal,
    },
  };
}

function parseArgs(argv: string[]) {
  const args = { data: '', json: false, cutoff: null as number | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data') args.data = argv[++i] ?? '';
    else if (a === '--json') args.json = true;
    else if (a === '--cutoff') {
      const v = argv[++i] ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(`--cutoff: expected YYYY-MM-DD, got "${v}"`);
      args.cutoff = Date.parse(`${v}T00:00:00Z`);
    } else if (a !== '--') throw new Error(`unknown argument ${a}`);
  }
  if (!args.data) throw new Error('usage: npm run eval:intros -- --data DIR [--json] [--cutoff YYYY-MM-DD]');
  return args;
}

export function formatReport(r: EvalReport): string {
  const lines = [
    `Introductions link prediction — cut-off ${r.cutoff}, ${r.core} core members, ${r.candidatePairs} candidate pairs, ${r.newPairs} new pairs in the next year`,
    '',
    'method                   AUC     P@n     lift    hub share',
  ];
  const order = [
    'convene',
    'decayed_activity',
    'adamic_adar',
    'common_neighbours',
    'preferential_attachment',
    'random',
  ];
  for (const name of order) {
    const m = r.methods[name];
    if (!m) continue;
    lines.push(
      `${name.padEnd(24)} ${m.auc.toFixed(3)}   ${m.precision_at_n.toFixed(3)}   ${m.lift.toFixed(1).padStart(5)}×  ${(100 * m.hub_share).toFixed(1).padStart(5)}%`,
    );
  }
  lines.push(`${'true new pairs'.padEnd(24)} ${' '.repeat(26)}${(100 * r.newPairsHubShare).toFixed(1).padStart(5)}%`);
  const c = r.methods.convene;
  const t = r.methods.decayed_activity;
  if (c && t) {
    lines.push(
      '',
      `Convene vs decayed activity (time-aware): AUC ${(c.auc - t.auc >= 0 ? '+' : '') + (c.auc - t.auc).toFixed(3)}, P@n ${(c.precision_at_n - t.precision_at_n >= 0 ? '+' : '') + (c.precision_at_n - t.precision_at_n).toFixed(3)}`,
    );
  }
  const mt = r.matching;
  lines.push(
    '',
    `Round over the ${mt.pool} core members active in the last 90 days (${mt.edges} candidate edges): maximum-weight matching total ${mt.blossom.total.toFixed(3)} (${mt.blossom.pairs} pairs), greedy ${mt.greedy.total.toFixed(3)} (${mt.greedy.pairs} pairs): greedy loses ${(100 * mt.greedyLoss).toFixed(1)}%`,
  );
  return lines.join('\n');
}

export function main(argv: string[]): string {
  const args = parseArgs(argv);
  const archive = readArchive(args.data);
  const cutoff = args.cutoff ?? defaultCutoff(archive);
  const report = evaluateArchive(archive, cutoff);
  if (args.json) {
    return JSON.stringify({
      cutoff: report.cutoff,
      core: report.core,
      new_pairs: report.newPairs,
      new_pairs_hub_share: report.newPairsHubShare,
      methods: report.methods,
      matching: report.matching,
    });
  }
  return formatReport(report);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(main(process.argv.slice(2)));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
