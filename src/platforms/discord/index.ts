/**
 * The Discord adapter: the discord.js client, gateway events → CommunityEvents, interactions →
 * command handlers, start-up command sync, and backfill of what was missed while the bot was down.
 * Thin: every decision is made by ingest and the features.
 */
import type { Client, Guild, MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { REST } from 'discord.js';
import { type ButtonDefinition, type CommandDefinition, type Deps, databaseOf, raiseProblem } from '../../commands.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../events.js';
import { type Ingestor, StorageUnavailableError } from '../../ingest/ingestor.js';
import { PROCESS_OWNER } from '../../lease.js';
import { markShard, syncsCommands } from '../../shards.js';
import { type BackfillResult, createDiscordBackfill } from './backfill.js';
import { type CommandSyncRetry, keepCommandsInSync } from './commandSync.js';
import { guardedOn } from './guard.js';
import { createRouter, handleInteraction } from './interactions.js';
import { type GatewayRetryPolicy, login } from './login.js';
import {
  channelEvent,
  memberJoinedEvent,
  memberUpdatedEvent,
  messageEvent,
  reactionEmoji,
  threadEvent,
} from './mapping.js';
import { watchRestReach } from './restReach.js';
import { DiscordSender } from './sender.js';
import { recordSent } from './sentNotes.js';
import { claimInteraction } from './store.js';

export interface DiscordOptions {
  token: string;
  apiUrl: string;
  commands: readonly CommandDefinition[];
  buttons: readonly ButtonDefinition[];
  /** Register the commands at start-up (default true). */
  syncCommands?: boolean;
  /** Reactions some feature counts: a backfill checks who gave them even when their number is unchanged. */
  countsReaction?: (emoji: string) => boolean;
  /** How a refused command registration is retried (tests shorten it). */
  commandSyncRetry?: Partial<CommandSyncRetry>;
  /** How the gateway connection is retried (tests shorten it). */
  gatewayRetry?: Partial<GatewayRetryPolicy>;
}

export interface DiscordAdapter {
  client: Client;
  sender: DiscordSender;
  /** Backfill one guild now (also runs at start-up, in the background, and after a new gateway session). */
  backfill(guild: Guild): Promise<BackfillResult>;
  /** Whether the guild's history is still being read (its scheduled work waits: see backfill.ts). */
  catchingUp(guildId: string): boolean;
  stop(): Promise<void>;
}

export async function startDiscord(deps: Deps, ingestor: Ingestor, options: DiscordOptions): Promise<DiscordAdapter> {
  // The sent notes are written by the outbox's sender: on the outbox's engine-neutral handle.
  const database = databaseOf(deps);
  const router = createRouter(options.commands, options.buttons);
  // The client must exist before handlers are attached; login() makes it and waits for READY, so
  // events that arrive between READY and the handlers below are covered by the backfill.
  const { client, watch } = await login(deps, options);
  // Every handler runs behind this net: an unexpected payload is logged with its event, not fatal.
  const on = guardedOn(client, deps.log);
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

  on('guildCreate', (guild) => void backfill(guild));
  on('guildMemberAdd', (member) => push(memberJoinedEvent(member)));
  on('guildMemberRemove', (member) =>
    // Discord sends no time for a leave: the receipt time is the best there is.
    push({
      kind: 'member.left',
      platform: 'discord',
      guildId: asGuildId(member.guild.id),
      at: Date.now(),
      memberId: asMemberId(member.id),
    }),
  );
  on('guildMemberUpdate', (_old, member) => push(memberUpdatedEvent(member, Date.now())));
  // Typed as a guild channel, but a DM channel arrives here too (some servers send its CHANNEL_CREATE).
  on('channelCreate', (channel) => {
    if (!channel.isDMBased()) push(channelEvent(channel));
  });
  on('channelUpdate', (_old, channel) => {
    if (!channel.isDMBased()) push(channelEvent(channel));
  });
  on('threadCreate', (thread) => push(threadEvent(thread)));
  on('threadUpdate', (_old, thread) => push(threadEvent(thread, Date.now())));
  on('messageCreate', (message) => push(messageEvent(message, contentGranted())));
  // The bot's own messages come back with the nonce they were sent with: note it, so a resend after
  // a lost answer can tell its message from an identical one (lookBack.ts).
  on('messageCreate', (message) => {
    if (message.author?.id === client.user?.id && client.user && typeof message.nonce === 'string') {
      const note = { messageId: message.id, channelId: message.channelId, nonce: message.nonce };
      recordSent(database, note, Date.now()).catch((error) =>
        // Only a resend's look-back reads the note; without it, it compares the text instead.
        deps.log.warn({ err: error, messageId: message.id }, 'discord: could not note a sent message'),
      );
    }
  });
  on('messageUpdate', (_old, message) => {
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
  on('messageDelete', (message) => {
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
  on('messageReactionAdd', (reaction, user) => reactionEvent('reaction.added', reaction, user));
  on('messageReactionRemove', (reaction, user) => reactionEvent('reaction.removed', reaction, user));
  on('interactionCreate', (interaction) => {
    const run = async () => {
      // Suggestions while typing change nothing: any process may answer them.
      if (!interaction.isAutocomplete() && !(await tookInteraction(deps, interaction.id))) return;
      await handleInteraction(interaction, router, deps);
    };
    run().catch((error) => deps.log.error({ err: error, interaction: interaction.id }, 'interaction failed'));
  });
  // Handlers are attached after login's READY, so every shardReady seen here is a new gateway session
  // (after INVALID_SESSION or a failed resume): it is connected, and what it missed is backfilled.
  const shards = deps.config.discordShards;
  // The stream is whole only while every shard of this process is: one shard resuming must not let
  // the backfill checkpoint move the cursors of another shard's guilds past what it is missing.
  const down = new Set<number>();
  const shardLive = (shard: number, live: boolean) => {
    if (live) down.delete(shard);
    else down.add(shard);
    backfiller.setLive(down.size === 0);
  };
  on('shardReady', (shard) => {
    markShard(deps.status, shards, shard, true);
    deps.log.info({ shard }, 'new gateway session: backfilling what was missed');
    backfiller.newSession();
    shardLive(shard, true);
  });
  on('shardResume', (shard, replayed) => {
    markShard(deps.status, shards, shard, true);
    shardLive(shard, true);
    deps.log.info({ shard, replayed }, 'gateway session resumed');
  });
  on('shardDisconnect', (event, shard) => {
    markShard(deps.status, shards, shard, false, `disconnected (${event.code})`);
    shardLive(shard, false);
  });
  on('shardReconnecting', (shard) => {
    markShard(deps.status, shards, shard, false, 'reconnecting');
    shardLive(shard, false);
  });
  on('error', (error) => deps.log.error({ err: error }, 'discord client error'));

  // A refused or rate-limited registration does not stop start-up: it is retried and reported.
  const commandSync =
    (options.syncCommands ?? syncsCommands(shards))
      ? await keepCommandsInSync(client, options.commands, deps, options.commandSyncRetry)
      : null;
  const stop = async () => {
    commandSync?.stop();
    watch.stop();
    await backfiller.stop();
    await client.destroy();
  };
  try {
    // login() waited for READY on every shard of this process.
    for (const shard of shards.ids) markShard(deps.status, shards, shard, true);
    // Channels and members now; their history in the background (live events are stored meanwhile).
    await backfiller.start(client.guilds.cache.values());
  } catch (error) {
    // A failed start must close the gateway connection, or the process stays up doing nothing.
    await stop();
    throw error;
  }

  return {
    client,
    // Thread creation has no nonce: a request discord.js retried by itself after Discord carried it out
    // (a timeout, a reset connection, a 5xx) would open a second thread. Those go through a client that
    // does not retry; the outbox retries them, looking for the thread first (sender.ts).
    sender: new DiscordSender(
      client.rest,
      database,
      new REST({ api: options.apiUrl, retries: 0 }).setToken(options.token),
      deps.config.discordRestProxy ? watchRestReach(deps, deps.config.discordRestProxy) : null,
    ),
    backfill,
    catchingUp: (guildId) => backfiller.catchingUp(guildId),
    async stop() {
      deps.status.platforms.discord = { connected: false, detail: 'stopped' };
      await stop();
    },
  };
}

/**
 * Whether this process runs an interaction: the first process to record it does. Two processes
 * running the same shard both receive it, and a command run twice makes its changes twice (two new
 * webhook secrets, the one shown not the one kept). The other one says so in its log and /healthz.
 */
async function tookInteraction(deps: Deps, interactionId: string): Promise<boolean> {
  let holder: string | null;
  try {
    holder = await claimInteraction(databaseOf(deps), interactionId, PROCESS_OWNER, Date.now());
  } catch (error) {
    // The database refused the note (full disk…): answering once is still likelier than not at all.
    deps.log.error({ err: error, interaction: interactionId }, 'interaction: could not record it; answering anyway');
    return true;
  }
  if (holder === null) return true;
  const shards = deps.config.discordShards;
  const sentence = `Another Convene process (${holder}) answered an interaction of this process's Discord shards (${shards.ids.join(', ')}, of ${shards.count} in all): two processes run the same shards. Give each process its own DISCORD_SHARDS; until then each command is answered by one of them.`;
  if (deps.status.problems?.[SHARED_SHARDS] !== sentence)
    deps.log.warn({ interaction: interactionId, holder }, sentence);
  raiseProblem(deps.status, SHARED_SHARDS, sentence);
  return false;
}

const SHARED_SHARDS = 'shared-shards';
