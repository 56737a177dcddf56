/**
 * CommandDefinitions → Discord application commands. "convene welcome set" becomes the top-level
 * command "convene" with the subcommand group "welcome" and the subcommand "set". A top-level
 * command whose every definition is for moderators carries default_member_permissions = Manage
 * Server (hidden from members by default); the server still checks access on every run.
 */
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  ApplicationCommandOptionType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { CommandDefinition, OptionSpec } from '../../commands.js';

const OPTION_TYPE: Record<OptionSpec['type'], ApplicationCommandOptionType> = {
  string: ApplicationCommandOptionType.String,
  integer: ApplicationCommandOptionType.Integer,
  boolean: ApplicationCommandOptionType.Boolean,
  member: ApplicationCommandOptionType.User,
  channel: ApplicationCommandOptionType.Channel,
  role: ApplicationCommandOptionType.Role,
  attachment: ApplicationCommandOptionType.Attachment,
};

function optionJson(name: string, spec: OptionSpec): APIApplicationCommandBasicOption {
  const base = {
    name,
    description: spec.description.slice(0, 100),
    required: spec.required ?? false,
  };
  switch (spec.type) {
    case 'string':
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(spec.choices ? { choices: spec.choices.map((c) => ({ name: c, value: c })) } : {}),
        ...(spec.minLength !== undefined ? { min_length: spec.minLength } : {}),
        ...(spec.maxLength !== undefined ? { max_length: spec.maxLength } : {}),
      };
    case 'integer':
      return {
        ...base,
        type: ApplicationCommandOptionType.Integer,
        ...(spec.min !== undefined ? { min_value: spec.min } : {}),
        ...(spec.max !== undefined ? { max_value: spec.max } : {}),
      };
    default:
      return { ...base, type: OPTION_TYPE[spec.type] } as APIApplicationCommandBasicOption;
  }
}

function optionsJson(def: CommandDefinition): APIApplicationCommandBasicOption[] {
  // Discord: required options must come before optional ones.
  return Object.entries(def.options)
    .map(([name, spec]) => optionJson(name, spec))
    .sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
}

export function commandsJson(defs: readonly CommandDefinition[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const byTop = new Map<string, CommandDefinition[]>();
  for (const def of defs) {
    const top = def.name.split(' ')[0]!;
    byTop.set(top, [...(byTop.get(top) ?? []), def]);
  }
  const out: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [];
  for (const [top, group] of byTop) {
    const moderatorOnly = group.every((d) => d.access === 'moderator');
    const json: RESTPostAPIChatInputApplicationCommandsJSONBody = {
      name: top,
      description: describeTop(top, group),
      dm_permission: false,
      contexts: [0],
      ...(moderatorOnly ? { default_member_permissions: String(PermissionFlagsBits.ManageGuild) } : {}),
    };
    const plain = group.find((d) => d.name === top);
    if (plain) {
      if (group.length > 1) throw new Error(`/${top} is both a command and a group of subcommands`);
      json.options = optionsJson(plain);
    } else {
      json.options = subcommands(group);
    }
    out.push(json);
  }
  return out;
}

function describeTop(top: string, group: CommandDefinition[]): string {
  if (group.length === 1 && group[0]!.name === top) return group[0]!.description.slice(0, 100);
  const subs = [...new Set(group.map((d) => d.name.split(' ')[1]))];
  return (top === 'convene' ? 'Configure Convene (moderators)' : `${top}: ${subs.join(', ')}`).slice(0, 100);
}

function subcommands(group: CommandDefinition[]): APIApplicationCommandOption[] {
  const options: APIApplicationCommandOption[] = [];
  const groups = new Map<string, APIApplicationCommandOption & { options: APIApplicationCommandOption[] }>();
  for (const def of group) {
    const [, second, third] = def.name.split(' ');
    const sub = {
      type: ApplicationCommandOptionType.Subcommand,
      description: def.description.slice(0, 100),
      options: optionsJson(def),
    } as const;
    if (third === undefined) {
      options.push({ ...sub, name: second! });
      continue;
    }
    let g = groups.get(second!);
    if (!g) {
      g = {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: second!,
        description: `${second} settings`,
        options: [],
      };
      groups.set(second!, g);
      options.push(g);
    }
    g.options.push({ ...sub, name: third } as APIApplicationCommandOption);
  }
  return options;
}
