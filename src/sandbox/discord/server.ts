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
  process.exit(2);
}

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

const stop = () => {
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
