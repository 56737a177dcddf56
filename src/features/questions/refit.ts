/**
 * Refitting the router to a community: on a schedule (weekly) and after a backfill brought in history
 * the last fit did not see. The replay and the fit give way to the event loop between small steps, so
 * a refit never holds it for long; the model is written once at the end.
 */
import type { Database } from '../../db/database.js';
import { plural } from '../../text/plural.js';
import { FALLBACK, type FittedRouter, fitRouterAsync, MIN_HISTORY } from './fit.js';
import { readModel, type StoredModel, trainingHistory, writeModel } from './fitStore.js';
import { nudgeOutcomes } from './nudgeStore.js';
import type { RouterWeights } from './route.js';
import { DEFAULT_WEIGHTS } from './route.js';

const REFIT_EVERY_MS = 7 * 24 * 3_600_000;

/** Whether the guild's router is due for a refit at `now` (pure). */
export function refitDue(model: Pick<StoredModel, 'fittedAt'> | null, now: number, lastBackfillAt?: number): boolean {
  if (model === null) return true;
  if (lastBackfillAt !== undefined && lastBackfillAt > model.fittedAt) return true;
  return now - model.fittedAt >= REFIT_EVERY_MS;
}

const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Fit on everything before `now` and store the model (the shipped defaults below the history threshold). */
export async function refitRouter(db: Database, guildId: string, now: number): Promise<FittedRouter> {
  const steps = trainingHistory(db, guildId, now);
  let step = await steps.next();
  while (!step.done) {
    await giveWay();
    step = await steps.next();
  }
  const fit = await fitRouterAsync(step.value);
  await writeModel(db, guildId, fit, now, now);
  return fit;
}

/** The weights the router uses for this guild: its fitted model, else the shipped defaults. */
export async function routerWeightsOf(db: Database, guildId: string): Promise<RouterWeights> {
  return (await readModel(db, guildId))?.weights ?? DEFAULT_WEIGHTS;
}

const DAY_MS = 24 * 3_600_000;

/**
 * The moderator's view of routing: how the router is set, and what happened after nudges in the
 * last 30 days (nudges whose 24 h are not over yet are left out).
 */
export async function routingStatus(db: Database, guildId: string, now: number) {
  const model = await readModel(db, guildId);
  return {
    model: model && { fitted: model.learner !== FALLBACK, questions: model.questions, fittedAt: model.fittedAt },
    nudges: await nudgeOutcomes(db, guildId, now - 30 * DAY_MS, now, now),
  };
}

export function renderRoutingStatus(s: Awaited<ReturnType<typeof routingStatus>>): string[] {
  const lines: string[] = [];
  const answered = (n: number) => plural(n, 'answered question');
  if (s.model?.fitted) lines.push(`Routing: fitted to this community (${answered(s.model.questions)})`);
  else if (s.model)
    lines.push(`Routing: shipped weights (${answered(s.model.questions)}, ${MIN_HISTORY} needed to fit)`);
  if (s.nudges.settled > 0) {
    const pct = Math.round((100 * s.nudges.answered) / s.nudges.settled);
    lines.push(
      `Nudged peers answered ${pct}% of the questions they were asked about in the last 30 days (${s.nudges.answered} of ${s.nudges.settled})`,
    );
  }
  return lines;
}
