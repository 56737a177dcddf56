/**
 * Standalone sandbox: `npx tsx src/sandbox/discord/server.ts --port 0 [--guild "Demo"]`.
 * Prints one JSON line with the addresses and the bot token, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startDiscordSandbox } from './sandbox.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    guild: { type: 'string' },
    heartbeat: { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0) {
  console.error(`--port must be a port number, got "${values.port}"`);
  process.exitCode = 2;
} else {
  await serve(port);
}

async function serve(port: number) {
  const sandbox = await startDiscordSandbox({
    port,
    ...(values.heartbeat ? { heartbeatIntervalMs: Number(values.heartbeat) } : {}),
  });
  const guild = values.guild
    ? sandbox.createGuild({
        name: values.guild,
        channels: [
          { name: 'general', type: 'text' },
          { name: 'help', type: 'forum', tags: ['question', 'answered'] },
        ],
      })
    : undefined;

  console.log(
    JSON.stringify({
      url: sandbox.url,
      apiUrl: sandbox.apiUrl,
      gatewayUrl: sandbox.gatewayUrl,
      botToken: sandbox.botToken,
      applicationId: sandbox.applicationId,
      ...(guild ? { guild } : {}),
    }),
  );

  // Closing the sandbox releases every handle, so the process then ends by itself with code 0.
  const stop = () => void sandbox.close();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
