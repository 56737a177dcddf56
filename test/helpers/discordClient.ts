/**
 * A real discord.js Client logged into the Discord sandbox over loopback, for e2e tests. Clients are
 * tracked so `destroyClients()` in an afterEach/afterAll closes every one of them.
 */
import { Client, type ClientOptions, GatewayIntentBits } from 'discord.js';
import type { DiscordSandbox } from '../../src/sandbox/discord/index.js';

export const ALL_TEST_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMembers,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.MessageContent,
];

const clients = new Set<Client>();

export function makeClient(sandbox: DiscordSandbox, options: Partial<ClientOptions> = {}): Client {
  const client = new Client({
    intents: ALL_TEST_INTENTS,
    ...options,
    rest: { api: sandbox.apiUrl, ...options.rest },
  });
  clients.add(client);
  return client;
}

/** Logs in and resolves once discord.js emitted `clientReady` (all guilds received). */
export async function connectClient(
  sandbox: DiscordSandbox,
  options: Partial<ClientOptions> = {},
): Promise<Client<true>> {
  const client = makeClient(sandbox, options);
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  await client.login(sandbox.botToken);
  await ready;
  return client as Client<true>;
}

export async function destroyClients(): Promise<void> {
  await Promise.all([...clients].map((c) => c.destroy()));
  clients.clear();
}
