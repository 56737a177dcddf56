/**
 * A form for each slash command the bot registered, as Discord's client offers it: one per
 * subcommand, with a field per option (choices as a list, members/channels/roles to pick from, a
 * file for attachments), and the way back from the submitted form to option values.
 */
import { type OptionDef, type OptionInput, OptionType } from '../commandInvocation.js';
import { ChannelType, type CommandRecord, isThread } from '../model.js';
import { type Html, html } from './html.js';
import type { MemberChoice, PageWorld } from './view.js';

export interface Leaf {
  /** "convene digest set" */
  line: string;
  description: string;
  options: OptionDef[];
}

/** Every runnable form of a command: itself, or each of its subcommands (inside groups). */
export function leavesOf(command: CommandRecord): Leaf[] {
  const walk = (line: string, description: string, options: OptionDef[]): Leaf[] => {
    const subs = options.filter((o) => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup);
    if (subs.length === 0) return [{ line, description, options }];
    return subs.flatMap((s) => walk(`${line} ${s.name}`, s.description ?? '', s.options ?? []));
  };
  const definition = command.definition as { description?: string; options?: OptionDef[] };
  return walk(command.name, definition.description ?? '', definition.options ?? []);
}

export function findLeaf(command: CommandRecord | undefined, line: string): Leaf | undefined {
  return command ? leavesOf(command).find((l) => l.line === line) : undefined;
}

const TEXT_CHANNELS = [ChannelType.GuildText, ChannelType.GuildForum];

/** One option's field. Names are "opt.<name>" so they never clash with the form's own fields. */
export function optionField(world: PageWorld, option: OptionDef, people: MemberChoice[]): Html {
  const name = `opt.${option.name}`;
  const required = option.required === true;
  const label = html`<span class="opt-name">${option.name}${required ? html`<b class="req" title="required">*</b>` : ''}</span>
    ${option.description ? html`<span class="opt-help">${option.description}</span>` : ''}`;
  const empty = required ? html`<option value="">Choose…</option>` : html`<option value="">—</option>`;
  const select = (options: Html[]) =>
    html`<label class="field">${label}<select name="${name}" ${required ? html`required` : ''}>${empty}${options}</select></label>`;
  if (option.choices?.length) {
    return select(option.choices.map((c) => html`<option value="${String(c.value)}">${c.name}</option>`));
  }
  switch (option.type) {
    case OptionType.Boolean:
      return select([html`<option value="true">yes</option>`, html`<option value="false">no</option>`]);
    case OptionType.User:
      return select(people.map((p) => html`<option value="${p.user.id}">${p.name} (${p.user.username})</option>`));
    case OptionType.Mentionable:
    case OptionType.Role: {
      const guild = world.store.guild(world.guildId);
      const roles = [...(guild?.roles.values() ?? [])]
        .filter((r) => !r.managed && r.id !== world.guildId)
        .map((r) => html`<option value="${r.id}">@${r.name}</option>`);
      const users =
        option.type === OptionType.Mentionable
          ? people.map((p) => html`<option value="${p.user.id}">${p.name}</option>`)
          : [];
      return select([...roles, ...users]);
    }
    case OptionType.Channel: {
      const allowed = option.channel_types ?? TEXT_CHANNELS;
      const channels = world.store
        .guildChannels(world.guildId)
        .filter((c) => allowed.includes(c.type) && !isThread(c))
        .map((c) => html`<option value="${c.id}">#${c.name}</option>`);
      return select(channels);
    }
    case OptionType.Attachment:
      return html`<label class="field">${label}<input type="file" name="${name}" ${required ? html`required` : ''}></label>`;
    case OptionType.Integer:
    case OptionType.Number:
      return html`<label class="field">${label}<input type="number" name="${name}"
        step="${option.type === OptionType.Integer ? '1' : 'any'}"
        ${option.min_value !== undefined ? html`min="${option.min_value}"` : ''}
        ${option.max_value !== undefined ? html`max="${option.max_value}"` : ''}
        ${required ? html`required` : ''}></label>`;
    default:
      return html`<label class="field">${label}<input type="text" name="${name}" autocomplete="off"
        ${option.min_length !== undefined ? html`minlength="${option.min_length}"` : ''}
        ${option.max_length !== undefined ? html`maxlength="${option.max_length}"` : ''}
        ${required ? html`required` : ''}></label>`;
  }
}

/** The option values of a submitted form, typed as the command defines them ('' is "not given"). */
export async function optionInputs(leaf: Leaf, form: FormData): Promise<Record<string, OptionInput>> {
  const inputs: Record<string, OptionInput> = {};
  for (const option of leaf.options) {
    const raw = form.get(`opt.${option.name}`);
    if (raw === null || raw === '') continue;
    if (typeof raw !== 'string') {
      // An empty file input is still sent, with no name and no bytes.
      if (!raw.name && raw.size === 0) continue;
      inputs[option.name] = {
        filename: raw.name,
        ...(raw.type ? { contentType: raw.type } : {}),
        data: Buffer.from(await raw.arrayBuffer()),
      };
      continue;
    }
    const numeric = option.type === OptionType.Integer || option.type === OptionType.Number;
    if (numeric) inputs[option.name] = Number(raw);
    else if (option.type === OptionType.Boolean) inputs[option.name] = raw === 'true';
    else inputs[option.name] = raw;
  }
  return inputs;
}
