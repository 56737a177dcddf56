/**
 * Sentences members read, checked against the demo's real replay (the Ubuntu IRC samples): what a
 * demanding reader found wrong in them, one case per defect. CONVENE_PRINT=1 prints what is read.
 */
import { and, eq, gte, isNull } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { questions } from '../../src/db/schema.js';
import { digestSources } from '../../src/features/digest/registry.js';
import { previewDigest } from '../../src/features/digest/service.js';
import { replayDemo } from '../helpers/replays.js';

const DAY = 86_400_000;
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
