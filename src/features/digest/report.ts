/** What moderators read about the digest outside it: the pulse line in /convene status, /convene goals show. */
import { type Deps, databaseOf } from '../../commands.js';
import type { GuildId } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import { safeText } from '../../text/fit.js';
import { goalLine } from './compose.js';
import { GOAL_METRICS, METRICS } from './goals.js';
import { latestPulsePeriod, type PulseSummary, pulseOf } from './pulseStore.js';
import { recentStoredWeeks } from './store.js';

/** The weeks /convene goals show lists (as many as the digest's chart). */
const WEEKS = 8;

/** For /convene status: the pulse of the most recent digest that got answers, or null. */
export async function latestPulse(deps: Pick<Deps, 'db' | 'database'>, guildId: GuildId): Promise<PulseSummary | null> {
  const db = databaseOf(deps);
  const period = await latestPulsePeriod(db, guildId);
  return period ? pulseOf(db, guildId, period) : null;
}

/** One line for /convene status: "Digest pulse (2026-W48): 12 helped, 3 not really, 2 notes (see /convene digest preview)". */
export function renderPulseLine(pulse: PulseSummary | null): string {
  if (!pulse) return 'Digest pulse: no answers yet.';
  const notes = pulse.notes.length
    ? `, ${pulse.notes.length} ${pulse.notes.length === 1 ? 'note' : 'notes'} (read them in /convene digest preview)`
    : '';
  return `Digest pulse (${pulse.period}): ${pulse.helped} helped, ${pulse.notReally} not really${notes}.`;
}

/** /convene goals show: each goal with its latest stored weeks (no recomputation), and the why. */
export async function goalsReport(
  deps: Pick<Deps, 'db' | 'database'>,
  guildId: GuildId,
  _now: number,
): Promise<string> {
  const db = databaseOf(deps);
  const settings = await readSettings(db, guildId);
  const goals = settings.digest.goals;
  const why = settings.core.why ? `Why: *${safeText(settings.core.why, 500)}*\n\n` : '';
  if (goals.length === 0) {
    const options = GOAL_METRICS.map((m) => `• \`${m}\`: ${METRICS[m].meaning} (e.g. ${METRICS[m].example})`).join(
      '\n',
    );
    return `${why}No goals yet. Set one with /convene goals set metric: target:\n${options}`;
  }
  const weeks = (await recentStoredWeeks(db, guildId, WEEKS)).reverse();
  const pad: null[] = Array.from({ length: WEEKS - weeks.length }, () => null);
  const lines = goals.map((g) =>
    goalLine({ metric: g.metric, target: g.target, values: [...pad, ...weeks.map((w) => w.goals[g.metric] ?? null)] }),
  );
  const note = weeks.length === 0 ? '\n\nValues appear once the first digest (or preview) has run.' : '';
  return `${why}**Goals** (the last ${WEEKS} weeks, newest on the right)\n${lines.join('\n')}${note}`;
}
