/**
 * Local Discord emulator: the real discord.js client logs into it over HTTP and WebSocket on
 * 127.0.0.1. `startDiscordSandbox()` is the entry point; see sandbox.ts for the test API.
 */
export type { AttachmentInput, OptionInput } from './commandInvocation.js';
export type { GatewayStats } from './gateway.js';
export type { ForcedFailure, RecordedRequest } from './http.js';
export { Intent, type PrivilegedIntents } from './intents.js';
export type { InteractionRecord, InteractionResult } from './interactions.js';
export type {
  AttachmentRecord,
  ChannelRecord,
  GuildRecord,
  MemberRecord,
  MessageRecord,
  Pinged,
  UserRecord,
} from './model.js';
export { Permission } from './permissions.js';
export type { ForcedRateLimit, RateLimitCounts, RateLimitHit } from './rateLimiter.js';
export {
  DiscordSandbox,
  type DiscordSandboxOptions,
  type InvokeOptions,
  type RunCommandOptions,
  type SayOptions,
  startDiscordSandbox,
  type WaitForOptions,
} from './sandbox.js';
export { timestampOf } from './snowflake.js';
export type { ChannelSpec, GuildHandle, NewGuild, RoleSpec } from './world.js';
