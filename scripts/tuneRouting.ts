/**
 * Tune the router's weights on questions BEFORE the eval cutoff (never on the test period):
 * replay the archive, keep each validation question's candidate features, then climb the MRR of the
 * first responder one weight at a time. Prints the weights to paste into route.ts DEFAULT_WEIGHTS.
 *
 *   npx tsx scripts/tuneRouting.ts --data DIR [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--weights JSON] [--slow W]
 *
 * --to defaults to the eval's default cutoff, --from to two years before it; --weights is where the
 * climb starts (default DEFAULT_WEIGHTS); --slow W adds the slow questions' MRR to the objective with
 * weight W (default 0.25, what DEFAULT_WEIGHTS were tuned with: on urho3d it raised the slow validation
 * questions' MRR from 0.384 to 0.403 and left all questions' at 0.479; 0.5 and more cost the latter).
 */
import { pathToFileURL } from 'node:url';
import {
  candidateFeatures,
  DEFAULT_WEIGHTS,
  type Features,
  type RouterWeights,
  scoreOf as routerScore,
} from '../src/features/questions/route.js';
import { defaultCutoff, loadArchive, replay } from './evalRouting.js';

interface Sample {
  /** Features of every router candidate; index of the first responder or -1 when not a candidate. */
  candidates: Features[];
  target: number;
  /** Members ranked after the candidates (not generated): their count, for the rank of a missed target. */
  slow: boolean;
}

const scoreOf = (w: RouterWeights, f: Features) => routerScore(w, f, 0);

export function mrr(samples: readonly Sample[], w: RouterWeights, slowWeight = SLOW_WEIGHT): number {
  return slowWeight === 0
    ? mrrOf(samples, w)
    : (mrrOf(samples, w) +
        slowWeight *
          mrrOf(
            samples.filter((s) => s.slow),
            w,
          )) /
        (1 + slowWeight);
}

/** How much the slow questions' MRR counts in the objective (the bot exists for them). */
let SLOW_WEIGHT = 0;

function mrrOf(samples: readonly Sample[], w: RouterWeights): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.target < 0) continue;
    const mine = scoreOf(w, sample.candidates[sample.target]!);
    let above = 0;
    let ties = 0;
    for (let i = 0; i < sample.candidates.length; i++) {
      if (i === sample.target) continue;
      const v = scoreOf(w, sample.candidates[i]!);
      if (v > mine) above += 1;
      else if (v === mine) ties += 1;
    }
    total += 1 / (1 + above + ties / 2);
  }
  return total / Math.max(1, samples.length);
}

function collect(dir: string, from: number, to: number): Sample[] {
  const samples: Sample[] = [];
  replay(loadArchive(dir), { from, to }, (ctx) => {
    const q = ctx.question;
    if (!q.first) return;
    const cands = candidateFeatures(
      ctx.index,
      { askerId: q.asker, terms: q.terms, channelId: q.channel },
      { now: ctx.now },
    );
    const target = cands.findIndex((c) => c.memberId === q.first);
    samples.push({
      candidates: cands.map((c) => c.features),
      target,
      slow: q.firstAt !== null && q.firstAt - q.askedAt >= 86_400_000,
    });
  });
  return samples;
}

function tune(samples: readonly Sample[], start: RouterWeights): RouterWeights {
  let best = { ...start };
  let bestScore = mrr(samples, best);
  const keys = (Object.keys(best) as (keyof RouterWeights)[]).filter((k) => k !== 'load');
  for (let round = 0; round < 6; round++) {
    let improved = false;
    for (const key of keys) {
      // Scale the weight, or nudge it by ±0.1 or ±0.03 (how a zero weight comes back, either sign).
      const trials = [0, 0.5, 0.75, 1.33, 2]
        .map((f) => best[key] * f)
        .concat([0.1, -0.1, 0.03, -0.03].map((d) => best[key] + d));
      for (const value of trials) {
        const trial = { ...best, [key]: value };
        const score = mrr(samples, trial);
        if (score > bestScore + 1e-4) {
          best = trial;
          bestScore = score;
          improved = true;
        }
      }
    }
    process.stderr.write(`round ${round}: MRR ${bestScore.toFixed(4)}\n`);
    if (!improved) break;
  }
  return best;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = arg('--data');
  if (!dir) throw new Error('usage: tsx scripts/tuneRouting.ts --data DIR [--from YYYY-MM-DD] [--to YYYY-MM-DD]');
  const to = arg('--to') ? Date.parse(`${arg('--to')}T00:00:00Z`) : defaultCutoff(loadArchive(dir));
  const from = arg('--from') ? Date.parse(`${arg('--from')}T00:00:00Z`) : to - 2 * 365 * 86_400_000;
  SLOW_WEIGHT = Number(arg('--slow') ?? 0.25);
  const samples = collect(dir, from, to);
  const covered = samples.filter((s) => s.target >= 0).length;
  process.stderr.write(
    `${samples.length} validation questions, ${covered} with the first responder among the candidates; MRR now ${mrr(samples, DEFAULT_WEIGHTS).toFixed(4)}\n`,
  );
  const start = arg('--weights') ? { ...DEFAULT_WEIGHTS, ...JSON.parse(arg('--weights')!) } : DEFAULT_WEIGHTS;
  const best = tune(samples, start);
  const slow = samples.filter((s) => s.slow);
  process.stderr.write(
    `all ${mrrOf(samples, best).toFixed(4)} (was ${mrrOf(samples, start).toFixed(4)}); slow (n=${slow.length}) ${mrrOf(slow, best).toFixed(4)} (was ${mrrOf(slow, start).toFixed(4)})\n`,
  );
  process.stdout.write(`${JSON.stringify(best)}\n`);
}
