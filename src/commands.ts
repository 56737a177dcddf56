/**
 * Platform-neutral commands. A command is defined once (name, options, access, handler returning a
 * Reply as data); the Discord adapter turns definitions into slash commands and interactions, the
 * Discourse adapter into "@convene <name>" mentions and PMs. The handler is the same function.
 */
import type { MessageBody } from './actions.js';
import type { Config } from './config.js';
import type { Db } from './db/connection.js';
import { type Database, sqliteDatabase } from './db/database.js';
import type { ChannelId, GuildId, MemberId, Platform, RoleId } from './events.js';
import type { Logger } from './log.js';

// ---------------------------------------------------------------------------------------------
// Options

interface OptionBase {
  description: string;
  required?: boolean;
}
export interface StringOption extends OptionBase {
  type: 'string';
  choices?: readonly string[];
  minLength?: number;
  maxLength?: number;
}
export interface IntegerOption extends OptionBase {
  type: 'integer';
  min?: number;
  max?: number;
}
export interface BooleanOption extends OptionBase {
  type: 'boolean';
}
export interface MemberOption extends OptionBase {
  type: 'member';
}
export interface ChannelOption extends OptionBase {
  type: 'channel';
}
export interface RoleOption extends OptionBase {
  type: 'role';
}
export interface AttachmentOption extends OptionBase {
  type: 'attachment';
}
export type OptionSpec =
  | StringOption
  | IntegerOption
  | BooleanOption
  | MemberOption
  | ChannelOption
  | RoleOption
  | AttachmentOption;

export interface AttachmentValue {
  name: string;
  url: string;
  size: number;
  contentType: string | null;
}

type OptionValue<S extends OptionSpec> = S extends StringOption
  ? S['choices'] extends readonly (infer C)[]
    ? C
    : string
  : S extends IntegerOption
    ? number
    : S extends BooleanOption
      ? boolean
      : S extends MemberOption
        ? MemberId
        : S extends ChannelOption
          ? ChannelId
          : S extends RoleOption
            ? RoleId
            : S extends AttachmentOption
              ? AttachmentValue
              : never;

export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K]['required'] extends true ? OptionValue<O[K]> : OptionValue<O[K]> | undefined;
};

// ---------------------------------------------------------------------------------------------
// Replies

/** A text input of a modal form (Discord: at most 5 per modal; label ≤ 45 characters). */
export interface ModalField {
  /** Key of the submitted value in ButtonContext.fields. */
  id: string;
  label: string;
  style: 'short' | 'paragraph';
  required?: boolean;
  minLength?: number;
  /** Discord: at most 4000. */
  maxLength?: number;
  placeholder?: string;
}

/** A small form a button can open (Discord modal). */
export interface ModalSpec {
  /**
   * custom_id "<button id>:<arg>" (≤ 100 characters, build it with buttonId): the submission is
   * handled by the ButtonDefinition with that id, like a click of that button.
   */
  id: string;
  /** Discord: at most 45 characters. */
  title: string;
  fields: ModalField[];
}

export type Reply =
  | { kind: 'message'; ephemeral: boolean; body: MessageBody }
  /** For buttons: replace the message the button was on. */
  | { kind: 'update'; body: MessageBody }
  /**
   * For buttons and slash commands (never after a deferral): open a form. For adapter authors —
   * - Discord: answer the button interaction with `interaction.showModal(...)` built from `modal`
   *   (one ActionRow with one TextInput per field; `style` short → TextInputStyle.Short, paragraph →
   *   TextInputStyle.Paragraph). Do not defer before (a deferred interaction cannot show a modal).
   *   When the member submits (a ModalSubmitInteraction with customId = modal.id), split the custom
   *   id at the first ':' exactly like a button's, and run that ButtonDefinition through runButton
   *   with `arg` = the part after ':' and `fields` = { [field id]: submitted text }; send its Reply
   *   like a button's (ephemeral when it says so).
   * - A platform without forms (Discourse): send `body` privately instead; it tells the member
   *   another way to do the same thing (usually a command).
   * Never send `body` publicly: it is a private fallback.
   */
  | { kind: 'modal'; modal: ModalSpec; body: MessageBody };

const toBody = (body: MessageBody | string): MessageBody => (typeof body === 'string' ? { content: body } : body);

export const reply = {
  ephemeral: (body: MessageBody | string): Reply => ({ kind: 'message', ephemeral: true, body: toBody(body) }),
  public: (body: MessageBody | string): Reply => ({ kind: 'message', ephemeral: false, body: toBody(body) }),
  update: (body: MessageBody | string): Reply => ({ kind: 'update', body: toBody(body) }),
  /** Open `modal`; `fallback` is sent privately where the platform has no forms. */
  modal: (modal: ModalSpec, fallback: MessageBody | string): Reply => ({
    kind: 'modal',
    modal,
    body: toBody(fallback),
  }),
};

/** Something the person can fix: the adapter shows the message ephemerally. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}

// ---------------------------------------------------------------------------------------------
// Context

/** What the running bot knows about itself, for /convene status and degraded modes. */
export interface RuntimeStatus {
  startedAt: number;
  platforms: Partial<Record<Platform, { connected: boolean; detail?: string }>>;
  /** Discord privileged intents actually granted. */
  intents: { messageContent: boolean; guildMembers: boolean };
  lastBackfill?: { at: number; messages: number; members: number };
  /** The Discord shards this process runs (of `count` for the whole bot), each with its connection. */
  shards?: { count: number; running: Record<number, { connected: boolean; detail?: string }> };
  /**
   * What is wrong right now, by key ("database", "commands", …) → one sentence a moderator can act
   * on. Any entry turns /healthz to 503 naming it, and /convene status shows it. Cleared when fixed.
   */
  problems?: Record<string, string>;
  /** Where the HTTP server listens ("http://127.0.0.1:8787"), once it does. */
  httpUrl?: string;
}

/** Say that something is wrong (replaces the sentence under the same key). */
export function raiseProblem(status: RuntimeStatus, key: string, sentence: string): void {
  status.problems = { ...status.problems, [key]: sentence };
}

/** Say that it is fixed; returns whether there was a problem under that key. */
export function clearProblem(status: RuntimeStatus, key: string): boolean {
  if (!status.problems || !(key in status.problems)) return false;
  const { [key]: _gone, ...rest } = status.problems;
  status.problems = rest;
  return true;
}

/** What a moderator typed to connect a forum (the key is never stored as typed: see secrets/). */
export interface ForumSettings {
  url: string;
  apiUsername: string;
  apiKey: string;
}

/** What the forum answered when Convene tried the settings (platforms/discourse/probe.ts). */
export type ForumProbeResult =
  | { ok: true; title: string }
  | {
      ok: false;
      problem: 'unreachable' | 'not-discourse' | 'bad-key' | 'not-admin' | 'private-address';
      detail: string;
    };

/** Services a handler may use. Passed in, never imported as singletons. */
export interface Deps {
  /** The synchronous SQLite handle of the code not yet ported to `database` (see db/database.ts legacyDb). */
  db: Db;
  /** The store on either engine (SQLite's is made from `db` when absent: use databaseOf(deps)). */
  database?: Database;
  config: Config;
  log: Logger;
  status: RuntimeStatus;
  /** Tell the outbox sender there is new work (it also polls). */
  wakeOutbox: () => void;
  /** Try a forum's settings with real calls to it (absent: connecting a forum by command is refused). */
  probeForum?: (settings: ForumSettings) => Promise<ForumProbeResult>;
}

export interface CommandContext<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  platform: Platform;
  guild: { id: GuildId; name: string };
  member: { id: MemberId; displayName: string; moderator: boolean };
  /** Where the command was run (a thread id inside threads). */
  channelId: ChannelId | null;
  options: OptionValues<O>;
  deps: Deps;
  now: number;
}

export type Access = 'member' | 'moderator';

export interface CommandDefinition<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** Space-separated path: "help", "privacy show", "convene welcome set" (at most 3 words). */
  name: string;
  description: string;
  /** 'moderator' sets default_member_permissions = Manage Server AND is checked on the server. */
  access: Access;
  options: O;
  /** True when the handler may take longer than Discord's 3 s: the adapter defers first. */
  slow?: boolean;
  run(ctx: CommandContext<O>): Promise<Reply> | Reply;
}

export function defineCommand<const O extends Record<string, OptionSpec>>(
  def: CommandDefinition<O>,
): CommandDefinition<O> {
  const words = def.name.split(' ');
  if (words.length > 3 || words.some((w) => !/^[a-z0-9-]{1,32}$/.test(w))) {
    throw new Error(`command name "${def.name}": 1-3 lowercase words of at most 32 characters`);
  }
  return def;
}

// ---------------------------------------------------------------------------------------------
// Buttons

export interface ButtonContext {
  platform: Platform;
  guild: { id: GuildId; name: string };
  member: { id: MemberId; displayName: string; moderator: boolean };
  channelId: ChannelId | null;
  /** The part of custom_id after "<id>:". */
  arg: string;
  /** The submitted values, by field id, when this runs for a modal submission (see Reply 'modal'). */
  fields?: Record<string, string>;
  deps: Deps;
  now: number;
}

export interface ButtonDefinition {
  /** The prefix of custom_id: "privacy-delete" handles "privacy-delete:<arg>". */
  id: string;
  access: Access;
  run(ctx: ButtonContext): Promise<Reply> | Reply;
}

export const defineButton = (def: ButtonDefinition): ButtonDefinition => def;

/** custom_id for a button handled by `def` with `arg` (Discord: at most 100 characters). */
export function buttonId(def: ButtonDefinition | string, arg = ''): string {
  const id = `${typeof def === 'string' ? def : def.id}:${arg}`;
  if (id.length > 100) throw new Error(`button custom_id longer than 100 characters: ${id}`);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Dispatch (platform-neutral: access check on the server side, errors turned into replies)

export const MODERATOR_ONLY = 'This command is for moderators (Manage Server).';

export async function runCommand(def: CommandDefinition, ctx: CommandContext): Promise<Reply> {
  if (def.access === 'moderator' && !ctx.member.moderator) return reply.ephemeral(MODERATOR_ONLY);
  return guarded(ctx.deps.log, { command: def.name, guildId: ctx.guild.id, memberId: ctx.member.id }, () =>
    def.run(ctx),
  );
}

export async function runButton(def: ButtonDefinition, ctx: ButtonContext): Promise<Reply> {
  if (def.access === 'moderator' && !ctx.member.moderator) return reply.ephemeral(MODERATOR_ONLY);
  return guarded(ctx.deps.log, { button: def.id, guildId: ctx.guild.id, memberId: ctx.member.id }, () => def.run(ctx));
}

async function guarded(log: Logger, where: Record<string, string>, fn: () => Promise<Reply> | Reply): Promise<Reply> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UserFacingError) return reply.ephemeral(error.message);
    const errorId = Math.random().toString(36).slice(2, 10);
    log.error({ err: error, errorId, ...where }, 'command failed');
    return reply.ephemeral(
      `Sorry, something went wrong on our side (error id ${errorId}). The moderators can find it in the log.`,
    );
  }
}

/** The async store of these deps: the one given, or the SQLite connection's (one per connection). */
export function databaseOf(deps: Pick<Deps, 'db' | 'database'>): Database {
  return deps.database ?? sqliteDatabase(deps.db);
}
