/**
 * npm run proxy: the REST proxy that holds the bot token's one rate limit budget for every Convene
 * process (see platforms/discord/restProxy.ts). Run one per bot token; point each process at it with
 * DISCORD_REST_PROXY=http://host:port/api.
 */
import 'dotenv/config';
import { ConfigError, loadProxyConfig } from './config.js';
import { createLogger } from './log.js';
import { startRestProxy } from './platforms/discord/restProxy.js';

async function main() {
  let config: ReturnType<typeof loadProxyConfig>;
  try {
    config = loadProxyConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const log = createLogger(config.logLevel);
  const proxy = await startRestProxy({
    upstream: config.upstream,
    token: config.token,
    globalPerSecond: config.globalPerSecond,
    host: config.host,
    port: config.port,
    log,
  });
  log.info(
    { url: proxy.url, upstream: config.upstream, globalPerSecond: config.globalPerSecond },
    `Convene REST proxy is listening: set DISCORD_REST_PROXY=${proxy.url} in every Convene process`,
  );
  const shutdown = () => {
    log.info({ ...proxy.stats }, 'REST proxy stopping');
    proxy.close().catch((error) => {
      log.error({ err: error }, 'REST proxy shutdown failed');
      process.exitCode = 1;
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error) => {
  const message =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? 'DISCORD_REST_PROXY_PORT: that port is already in use: stop what listens there or choose a free port (0 picks one)'
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`The REST proxy could not start: ${message}\n`);
  process.exitCode = 1;
});
