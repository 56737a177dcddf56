/**
 * What reaches the log when a Discord request fails. discord.js's DiscordAPIError carries the body
 * it sent (`requestBody`), and pino writes an error's own fields: a failed reply would put its text
 * in the log, such as the webhook secret `/convene forum connect` shows once to one moderator, or a
 * member's words in a failed send.
 */
import { Writable } from 'node:stream';
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { type DiscordSandbox, startDiscordSandbox } from '../src/sandbox/discord/index.js';

let sandbox: DiscordSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', destination), lines };
}

describe('log of a failed Discord request', () => {
  it('GIVEN a reply carrying a secret that Discord refuses THEN the log has the failure but not the text that was sent', async () => {
    sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000 });
    const rest = new REST({ api: sandbox.apiUrl, retries: 0 }).setToken(sandbox.botToken);
    const secret = 'f3b1c0ffee5ec12e7a11d0c0ffee5ec12e7a11d0c0ffee5ec12e7a11d0c0ffee';
    // An interaction's reply edited after its token is no longer valid (Discord: 15 minutes).
    const error = await rest
      .patch(Routes.webhookMessage(sandbox.applicationId, 'expired-interaction-token', '@original'), {
        body: { content: `New webhook secret for the forum forum.example: \`${secret}\`` },
        auth: false,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    const { log, lines } = capturedLogger();
    log.error({ err: error, interaction: '1234' }, 'interaction failed');
    const written = lines.join('');
    expect(written).toContain('interaction failed');
    expect(written).toContain(`"status":${(error as DiscordAPIError).status}`);
    expect(written).not.toContain(secret);
  });
});
