/**
 * A failure nothing in the bot handles (a promise nobody awaited that rejects, an exception nobody
 * catches) inside the real bot process: it is logged with its error, the bot stops cleanly (gateway
 * closed, database closed) and exits with code 1 so a supervisor restarts it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { botEnv, type Community, makeCommunity } from '../e2e/harness.js';
import { killProcesses, startProcess } from '../helpers/processes.js';

let community: Community | undefined;
afterEach(async () => {
  await killProcesses();
  await community?.sandbox.close();
  community = undefined;
});

describe('a failure nothing handles', () => {
  it.each([
    ['rejection', 'a promise failed and nothing handled it; stopping'],
    ['exception', 'an exception was not caught; stopping'],
  ])(
    'GIVEN an unhandled %s in the running bot THEN it is logged with its error, the bot stops cleanly and exits 1',
    async (fault, said) => {
      community = await makeCommunity();
      const bot = startProcess(0, {
        env: botEnv(community, { LOG_LEVEL: 'info', TEST_FAULT: fault }),
        nodeArgs: ['--import', './test/faults/fixtures/faultOnSignal.ts'],
      });
      await bot.ready;
      bot.child.kill('SIGUSR2');
      const exit = await bot.exited;
      expect(exit).toEqual({ code: 1, signal: null });
      const logs = bot.logs();
      const fatal = logs.find((l) => l.msg === said);
      expect(fatal, bot.output().slice(-3000)).toMatchObject({
        level: 60,
        err: { message: 'probe: a failure nothing in the bot handles' },
      });
      // Stopped cleanly after the failure: what app.stop() logs once gateway and database are closed.
      expect(logs.findIndex((l) => l.msg === 'Convene stopped')).toBeGreaterThan(logs.indexOf(fatal!));
    },
    60_000,
  );
});
