/**
 * npm run deploy-commands [-- --guild ID]: register Convene's slash commands globally (all servers;
 * Discord may take a while to show changes) or in one guild (immediate). Start-up also syncs them.
 */
import 'dotenv/config';
import { REST, Routes } from 'discord.js';
import { allCommands } from '../../app.js';
import { ConfigError, loadConfig } from '../../config.js';
import { features } from '../../features/index.js';
import { plural } from '../../text/plural.js';
import { commandsJson } from './commandData.js';

async function main() {
  const config = loadConfig(process.env);
  if (!config.discordToken)
    throw new ConfigError('DISCORD_TOKEN', 'expected the bot token to register commands (missing)');
  const guildFlag = process.argv.indexOf('--guild');
  const guildId = guildFlag >= 0 ? process.argv[guildFlag + 1] : undefined;
  // Through the proxy when there is one: its requests count in the budget every process shares.
  const rest = new REST({ api: config.discordRestProxy ?? config.discordApiUrl }).setToken(config.discordToken);
  const app = (await rest.get(Routes.currentApplication())) as { id: string };
  const body = commandsJson(allCommands(features));
  const route = guildId ? Routes.applicationGuildCommands(app.id, guildId) : Routes.applicationCommands(app.id);
  const saved = (await rest.put(route, { body })) as { name: string }[];
  process.stdout.write(
    `Registered ${plural(saved.length, 'command')} ${guildId ? `in guild ${guildId}` : 'globally'}: ${saved.map((c) => `/${c.name}`).join(' ')}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error instanceof ConfigError ? `Configuration error: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
});
