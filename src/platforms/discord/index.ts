/**
 * The Discord adapter: the discord.js client, gateway events → CommunityEvents, interactions →
 * command handlers, start-up command sync, and backfill of what was missed while the bot was down.
 * Thin: every decision is made by ingest and the features.
 */
import {
  Client,
  GatewayIntentBits,
  type Guild,
  type MessageReaction,
  type PartialMessageReaction,
  Partials,
  type PartialUser,
  Routes,
  type User,
} from 'discord.js';
import type { ButtonDefinition, CommandDefinition, Deps } from '../../commands.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../events.js';
import { type Ingestor, StorageUnavailableError } from '../../ingest/ingestor.js';
import { type BackfillResult, createDiscordBackfill } from './backfill.js';
import { commandsJson } from './commandData.js';
import { createRouter, handleInteraction } from './interactions.js';
import {
  channelEvent,
  memberJoinedEvent,
  memberUpdatedEvent,
  messageEvent,
  reactionEmoji,
  threadEvent,
} from './mapping.js';
import { DiscordSender } from './sender.js';

/** Discord close code / discord.js error for privileged intents the app was not granted. */
const DISALLOWED_INTENTS = 4014;

export interface DiscordOptions {
  token: string;
  apiUrl: string;
  commands: readonly CommandDefinition[];
  buttons: readonly ButtonDefinition[];
  /** Register the commands at start-up (default true). */
  syncCommands?: boolean;
  /** Reactions some feature counts: a backfill checks who gave them even when their number is unchanged. */
  countsReaction?: (emoji: string) => boolean;
}

export interface DiscordAdapter {
  client: Client;
  sender: DiscordSender;
  /** Backfill one guild now (also runs at start-up, in the background, and after a new gateway session). */
  backfill(guild: Guild): Promise<BackfillResult>;
  stop(): Promise<void>;
}

const BASE_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessages,
];

function makeClient(apiUrl: string, privileged: { members: boolean; content: boolean }) {
  return new Client({
    intents: [
      ...BASE_INTENTS,
      ...(privileged.members ? [GatewayIntentBits.GuildMembers] : []),
      ...(privileged.content ? [GatewayIntentBits.MessageContent] : []),
    ],
    partials: [Partials.Message, Partials.Reaction, Partials.Channel, Partials.GuildMember, Partials.User],
    rest: { api: apiUrl },
  });
}

function isDisallowedIntents(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === DISALLOWED_INTENTS || e?.code === 'DisallowedIntents' || /disallowed intent/i.test(String(e?.message))
  );
}

/** Log in, dropping privileged intents Discord does not grant (4014) instead of failing. */
async function login(options: DiscordOptions, deps: Deps): Promise<Client> {
  const attempts = [
    { members: true, content: true },
    { members: true, content: false },
    { members: false, content: false },
  ];
  let lastError: unknown;
  for (const privileged of attempts) {
    const client = makeClient(options.apiUrl, privileged);
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    try {
      await client.login(options.token);
      await ready;
      deps.status.intents = { guildMembers: privileged.members, messageContent: privileged.content };
      if (!privileged.content || !privileged.members) {
        deps.log.warn(
          { messageContent: privileged.content, guildMembers: privileged.members },
          'Discord did not grant every privileged intent: running with fewer features (no message terms without Message Content; no member list backfill without Server Members)',
        );
      }
      return client;
    } catch (error) {
      await client.destroy();
      lastError = error;
      if (!isDisallowedIntents(error)) throw error;
    }
  }
  throw lastError;
}

export async function startDiscord(deps: Deps, ingestor: Ingestor, options: DiscordOptions): Promise<DiscordAdapter> {
  const router = createRouter(options.commands, options.buttons);
  let client: Client;
  // The client must exist before handlers are attached; login() makes it and waits for READY, so
  // events that arrive between READY and the handlers below are covered by the backfill.
  client = await login(options, deps);
  const push = (event: CommunityEvent | null) => {
    if (!event) return;
    ingestor.push(event).catch((error) => {
      // A refused write keeps the event for a retry and is reported once by the ingestor.
      if (!(error instanceof StorageUnavailableError))
        deps.log.error({ err: error, event: event.kind }, 'ingest failed');
    });
  };
  const contentGranted = () => deps.status.intents.messageContent;
  const backfiller = createDiscordBackfill(client, {
    deps,
    ingestor,
    horizonMs: deps.config.backfillHorizonMs,
    contentGranted,
    ...(options.countsReaction ? { countsReaction: options.countsReaction } : {}),
  });
  const backfill = (guild: Guild) => backfiller.backfill(guild);
  ingestor.onRecovered((gaps) => backfiller.recovered(gaps));

  client.on('guildCreate', (guild) => void backfill(guild));
  client.on('guildMemberAdd', (member) => push(memberJoinedEvent(member)));
  client.on('guildMemberRemove', (member) =>
    // Discord sends no time for a leave: the receipt time is the best there is.
    push({
      kind: 'member.left',
      platform: 'discord',
      guildId: asGuildId(member.guild.id),
      at: Date.now(),
      memberId: asMemberId(member.id),
    }),
  );
  client.on('guildMemberUpdate', (_old, member) => push(memberUpdatedEvent(member, Date.now())));
  client.on('channelCreate', (channel) => push(channelEvent(channel)));
  client.on('channelUpdate', (_old, channel) => {
    if (!channel.isDMBased()) push(channelEvent(channel));
  });
  client.on('threadCreate', (thread) => push(threadEvent(thread)));
  client.on('threadUpdate', (_old, thread) => push(threadEvent(thread, Date.now())));
  client.on('messageCreate', (message) => push(messageEvent(message, contentGranted())));
  client.on('messageUpdate', (_old, message) => {
    if (!message.guildId || message.partial || !message.editedTimestamp) return;
    push({
      kind: 'message.updated',
      platform: 'discord',
      guildId: asGuildId(message.guildId),
      at: message.editedTimestamp,
      messageId: asMessageId(message.id),
      channelId: asChannelId(message.channelId),
      content: message.content ?? '',
    });
  });
  client.on('messageDelete', (message) => {
    if (!message.guildId) return;
    push({
      kind: 'message.deleted',
      platform: 'discord',
      guildId: asGuildId(message.guildId),
      at: Date.now(),
      messageId: asMessageId(message.id),
      channelId: asChannelId(message.channelId),
    });
  });
  const reactionEvent = (
    kind: 'reaction.added' | 'reaction.removed',
    reaction: MessageReaction | PartialMessageReaction,
    user: User | PartialUser,
  ) => {
    const message = reaction.message;
    if (!message.guildId) return;
    push({
      kind,
      platform: 'discord',
      guildId: asGuildId(message.guildId),
      // Discord sends no reaction time: receipt time.
      at: Date.now(),
      messageId: asMessageId(message.id),
      channelId: asChannelId(message.channelId),
      memberId: asMemberId(user.id),
      emoji: reactionEmoji(reaction.emoji),
    });
  };
  client.on('messageReactionAdd', (reaction, user) => reactionEvent('reaction.added', reaction, user));
  client.on('messageReactionRemove', (reaction, user) => reactionEvent('reaction.removed', reaction, user));
  client.on('interactionCreate', (interaction) => {
    handleInteraction(interaction, router, deps).catch((error) =>
      deps.log.error({ err: error, interaction: interaction.id }, 'interaction failed'),
    );
  });
  // Handlers are attached after login's READY, so every shardReady seen here is a new gateway session
  // (after INVALID_SESSION or a failed resume): it is connected, and what it missed is backfilled.
  client.on('shardReady', () => {
    deps.status.platforms.discord = { connected: true };
    deps.log.info('new gateway session: backfilling what was missed');
    backfiller.newSession();
  });
  client.on('shardResume', (_id, replayed) => {
    deps.status.platforms.discord = { connected: true };
    backfiller.setLive(true);
    deps.log.info({ replayed }, 'gateway session resumed');
  });
  client.on('shardDisconnect', (event) => {
    deps.status.platforms.discord = { connected: false, detail: `disconnected (${event.code})` };
    backfiller.setLive(false);
  });
  client.on('shardReconnecting', () => {
    deps.status.platforms.discord = { connected: false, detail: 'reconnecting' };
    backfiller.setLive(false);
  });
  client.on('error', (error) => deps.log.error({ err: error }, 'discord client error'));

  if (options.syncCommands ?? true) await syncCommands(client, options.commands, deps);
  deps.status.platforms.discord = { connected: true };
  // Channels and members now; their history in the background (live events are stored meanwhile).
  await backfiller.start(client.guilds.cache.values());

  return {
    client,
    sender: new DiscordSender(client.rest),
    backfill,
    async stop() {
      deps.status.platforms.discord = { connected: false, detail: 'stopped' };
      await backfiller.stop();
      await client.destroy();
    },
  };
}

/** What makes two command registrations the same for Discord (ignoring ids and versions). */
function signature(command: unknown): string {
  const keep = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(keep);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of [
        'name',
        'description',
        'type',
        'required',
        'choices',
        'value',
        'options',
        'min_value',
        'max_value',
        'min_length',
        'max_length',
        'default_member_permissions',
      ]) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) continue;
        out[key] = keep(v);
      }
      return out;
    }
    return value;
  };
  return JSON.stringify(keep(command));
}

/** Keep the registered global commands equal to the definitions; writes only when they differ. */
export async function syncCommands(client: Client, defs: readonly CommandDefinition[], deps: Deps): Promise<void> {
  const wanted = commandsJson(defs);
  const appId = client.application!.id;
  const existing = (await client.rest.get(Routes.applicationCommands(appId))) as { name: string }[];
  const key = (list: readonly { name: string }[]) =>
    [...list]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(signature)
      .join('\n');
  if (key(existing) === key(wanted.map((w) => ({ type: 1, ...w })))) {
    deps.log.info({ commands: wanted.length }, 'slash commands already in sync');
    return;
  }
  await client.rest.put(Routes.applicationCommands(appId), { body: wanted });
  deps.log.info({ commands: wanted.map((c) => c.name) }, 'slash commands registered');
}
