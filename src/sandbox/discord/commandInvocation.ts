/**
 * Builds the `data` of an APPLICATION_COMMAND interaction the way Discord's client would, from the
 * command the bot REGISTERED: "convene status" walks into subcommand groups/subcommands, options are
 * type-checked against their definitions, and users/members/channels/roles/attachments the options
 * point at are put in `resolved`. A test cannot invoke a command the bot never registered.
 */
import { guildPermissions, permissionsIn } from './access.js';
import type { CommandRecord, DiscordStore } from './model.js';
import { renderAttachment, renderPartialMember, renderRole, renderUser } from './render.js';
import type { World } from './world.js';

export const OptionType = {
  Subcommand: 1,
  SubcommandGroup: 2,
  String: 3,
  Integer: 4,
  Boolean: 5,
  User: 6,
  Channel: 7,
  Role: 8,
  Mentionable: 9,
  Number: 10,
  Attachment: 11,
} as const;

/** A file given to an attachment option. */
export interface AttachmentInput {
  filename: string;
  contentType?: string;
  data: Buffer | string;
}

export type OptionInput = string | number | boolean | AttachmentInput;

/** An option as the bot registered it. */
export interface OptionDef {
  type: number;
  name: string;
  description?: string;
  required?: boolean;
  options?: OptionDef[];
  choices?: { name: string; value: string | number }[];
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  channel_types?: number[];
}

interface Resolved {
  users?: Record<string, unknown>;
  members?: Record<string, unknown>;
  roles?: Record<string, unknown>;
  channels?: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}

export interface InvocationContext {
  store: DiscordStore;
  world: World;
  guildId: string;
  channelId: string;
  userId: string;
  /** Run even when the member lacks default_member_permissions (a guild's integration override). */
  bypassDefaultPermissions: boolean;
}

export function findCommand(store: DiscordStore, guildId: string | null, name: string): CommandRecord | undefined {
  const all = [...store.commands.values()].filter((c) => c.name === name && c.type === 1);
  return all.find((c) => c.guildId === guildId) ?? all.find((c) => c.guildId === null);
}

export function buildCommandData(
  ctx: InvocationContext,
  commandLine: string,
  inputs: Record<string, OptionInput>,
): Record<string, unknown> {
  const [name, ...path] = commandLine.trim().split(/\s+/);
  const command = findCommand(ctx.store, ctx.guildId, name ?? '');
  if (!command) {
    const known = [...ctx.store.commands.values()].map((c) => c.name).join(', ') || 'none';
    throw new Error(`sandbox: no registered command "/${name}" (registered: ${known})`);
  }
  checkDefaultPermissions(ctx, command);
  const resolved: Resolved = {};
  let defs = (command.definition.options ?? []) as OptionDef[];
  const chain: OptionDef[] = [];
  for (const part of path) {
    const def = defs.find(
      (d) => d.name === part && (d.type === OptionType.Subcommand || d.type === OptionType.SubcommandGroup),
    );
    if (!def)
      throw new Error(
        `sandbox: "/${commandLine}": "${part}" is not a subcommand of /${[name, ...chain.map((c) => c.name)].join(' ')}`,
      );
    chain.push(def);
    defs = def.options ?? [];
  }
  if (defs.some((d) => d.type === OptionType.Subcommand || d.type === OptionType.SubcommandGroup)) {
    throw new Error(`sandbox: "/${commandLine}" needs a subcommand: ${defs.map((d) => d.name).join(', ')}`);
  }
  let options: unknown[] = leafOptions(ctx, defs, inputs, resolved, commandLine);
  for (const def of [...chain].reverse()) options = [{ type: def.type, name: def.name, options }];
  return {
    id: command.id,
    name: command.name,
    type: 1,
    ...(command.guildId ? { guild_id: command.guildId } : {}),
    ...(options.length > 0 ? { options } : {}),
    ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
  };
}

function checkDefaultPermissions(ctx: InvocationContext, command: CommandRecord): void {
  const required = command.definition.default_member_permissions;
  if (ctx.bypassDefaultPermissions || required === null || required === undefined) return;
  const needed = BigInt(required as string);
  const has = guildPermissions(ctx.store, ctx.guildId, ctx.userId);
  // Discord's client does not offer the command to members without these permissions.
  if ((has & needed) !== needed) {
    throw new Error(
      `sandbox: member ${ctx.userId} lacks default_member_permissions ${needed} for /${command.name} ` +
        '(pass bypassDefaultPermissions to simulate a guild override)',
    );
  }
}

function leafOptions(
  ctx: InvocationContext,
  defs: OptionDef[],
  inputs: Record<string, OptionInput>,
  resolved: Resolved,
  commandLine: string,
): unknown[] {
  const out: unknown[] = [];
  for (const key of Object.keys(inputs)) {
    if (!defs.some((d) => d.name === key)) {
      throw new Error(`sandbox: "/${commandLine}" has no option "${key}" (has: ${defs.map((d) => d.name).join(', ')})`);
    }
  }
  for (const def of defs) {
    const input = inputs[def.name];
    if (input === undefined) {
      if (def.required) throw new Error(`sandbox: "/${commandLine}" requires option "${def.name}"`);
      continue;
    }
    out.push({ type: def.type, name: def.name, value: optionValue(ctx, def, input, resolved, commandLine) });
  }
  return out;
}

function optionValue(
  ctx: InvocationContext,
  def: OptionDef,
  input: OptionInput,
  resolved: Resolved,
  commandLine: string,
): string | number | boolean {
  const fail = (why: string) => new Error(`sandbox: "/${commandLine}" option "${def.name}": ${why}`);
  const { store } = ctx;
  const guild = store.guild(ctx.guildId)!;
  const put = (kind: keyof Resolved, id: string, value: unknown) => {
    const bag = resolved[kind] ?? {};
    bag[id] = value;
    resolved[kind] = bag;
  };
  const addUser = (id: string) => {
    const user = store.user(id);
    if (!user) throw fail(`unknown user ${id}`);
    put('users', id, renderUser(user));
    const member = guild.members.get(id);
    if (member) {
      put('members', id, {
        ...renderPartialMember(store, member),
        permissions: permissionsIn(store, store.channel(ctx.channelId)!, id).toString(),
      });
    }
  };
  const addRole = (id: string) => {
    const role = guild.roles.get(id);
    if (!role) throw fail(`unknown role ${id}`);
    put('roles', id, renderRole(role));
  };
  switch (def.type) {
    case OptionType.String: {
      if (typeof input !== 'string') throw fail('expected a string');
      if (def.min_length !== undefined && input.length < def.min_length) throw fail(`shorter than ${def.min_length}`);
      if (def.max_length !== undefined && input.length > def.max_length) throw fail(`longer than ${def.max_length}`);
      checkChoice(def, input, fail);
      return input;
    }
    case OptionType.Integer:
    case OptionType.Number: {
      if (typeof input !== 'number' || (def.type === OptionType.Integer && !Number.isInteger(input))) {
        throw fail(def.type === OptionType.Integer ? 'expected an integer' : 'expected a number');
      }
      if (def.min_value !== undefined && input < def.min_value) throw fail(`below ${def.min_value}`);
      if (def.max_value !== undefined && input > def.max_value) throw fail(`above ${def.max_value}`);
      checkChoice(def, input, fail);
      return input;
    }
    case OptionType.Boolean:
      if (typeof input !== 'boolean') throw fail('expected a boolean');
      return input;
    case OptionType.User:
      if (typeof input !== 'string') throw fail('expected a user id');
      addUser(input);
      return input;
    case OptionType.Role:
      if (typeof input !== 'string') throw fail('expected a role id');
      addRole(input);
      return input;
    case OptionType.Mentionable:
      if (typeof input !== 'string') throw fail('expected a user or role id');
      if (guild.roles.has(input)) addRole(input);
      else addUser(input);
      return input;
    case OptionType.Channel: {
      if (typeof input !== 'string') throw fail('expected a channel id');
      const channel = store.channel(input);
      if (!channel || channel.guildId !== ctx.guildId) throw fail(`unknown channel ${input}`);
      if (def.channel_types && !def.channel_types.includes(channel.type))
        throw fail(`channel type ${channel.type} not allowed`);
      put('channels', input, {
        id: channel.id,
        name: channel.name,
        type: channel.type,
        parent_id: channel.parentId,
        permissions: permissionsIn(store, channel, ctx.userId).toString(),
        ...(channel.thread
          ? {
              thread_metadata: {
                archived: channel.thread.archived,
                locked: channel.thread.locked,
                auto_archive_duration: channel.thread.autoArchiveDuration,
                archive_timestamp: new Date(channel.thread.archivedAt).toISOString(),
              },
            }
          : {}),
      });
      return input;
    }
    case OptionType.Attachment: {
      if (typeof input !== 'object' || input === null || !('filename' in input))
        throw fail('expected { filename, data }');
      const attachment = ctx.world.storeAttachment({
        channelId: ctx.channelId,
        filename: input.filename,
        contentType: input.contentType ?? null,
        data: typeof input.data === 'string' ? Buffer.from(input.data) : input.data,
      });
      put('attachments', attachment.id, renderAttachment(attachment));
      return attachment.id;
    }
    default:
      throw fail(`unsupported option type ${def.type}`);
  }
}

function checkChoice(def: OptionDef, value: string | number, fail: (why: string) => Error): void {
  if (def.choices && def.choices.length > 0 && !def.choices.some((c) => c.value === value)) {
    throw fail(`"${value}" is not one of the choices ${def.choices.map((c) => JSON.stringify(c.value)).join(', ')}`);
  }
}
