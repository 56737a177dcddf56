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

  it('GIVEN a failed request on an interaction token route THEN the log keeps the route but not the token, which could post as the bot', async () => {
    sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000 });
    const rest = new REST({ api: sandbox.apiUrl, retries: 0 }).setToken(sandbox.botToken);
    // Discord: an interaction token lets whoever holds it answer and follow up as the bot for 15 minutes.
    const interactionToken = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpzZWNyZXQ';
    const error = await rest
      .post(Routes.webhook(sandbox.applicationId, interactionToken), { body: { content: 'A follow-up' }, auth: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    const { log, lines } = capturedLogger();
    log.error({ err: error }, 'interaction failed');
    // The REST proxy logs the path it was asked for when Discord cannot be reached.
    log.error(
      { method: 'POST', url: `/api/v10/interactions/1234/${interactionToken}/callback` },
      'rest proxy: could not reach Discord',
    );
    // Convene's own webhook route names a forum, not a token: it stays whole.
    log.warn({ url: '/webhooks/discourse/Xk3fQ9pLm2Za' }, 'http: refused a request (webhook for an unknown forum)');
    const written = lines.join('');
    console.log(written.replace(/"stack":"[^"]*",/g, ''));
    expect(written).toContain(`/webhooks/${sandbox.applicationId}/`);
    expect(written).toContain('/interactions/1234/');
    expect(written).not.toContain(interactionToken);
    expect(written).toContain('/webhooks/discourse/Xk3fQ9pLm2Za');
  });
});
