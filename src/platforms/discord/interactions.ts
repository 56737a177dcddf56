/**
 * Interactions → platform-neutral command and button handlers, and their Replies → Discord.
 * Discord gives 3 s to acknowledge: a handler that may be slow is deferred first; any other handler
 * that has not answered within DEFER_AFTER_MS is deferred then, and its reply edits the deferral.
 */
import {
  ActionRowBuilder,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type GuildMember,
  type Interaction,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { and, eq, isNull } from 'drizzle-orm';
import type { MessageBody } from '../../actions.js';
import {
  type AttachmentValue,
  type ButtonDefinition,
  type CommandContext,
  type CommandDefinition,
  type Deps,
  databaseOf,
  type ModalSpec,
  type OptionSpec,
  type Reply,
  reply,
  runButton,
  runCommand,
} from '../../commands.js';
import { asChannelId, asGuildId, asMemberId, asRoleId } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import { fitDiscordBody, fitPlain, LIMITS } from '../../text/fit.js';
import { components, embeds, files } from './render.js';

const DEFER_AFTER_MS = 2_000;

export interface InteractionRouter {
  commands: Map<string, CommandDefinition>;
  buttons: Map<string, ButtonDefinition>;
}

export function createRouter(
  commandDefs: readonly CommandDefinition[],
  buttonDefs: readonly ButtonDefinition[],
): InteractionRouter {
  return {
    commands: new Map(commandDefs.map((d) => [d.name, d])),
    buttons: new Map(buttonDefs.map((d) => [d.id, d])),
  };
}

/** The full command path of an interaction: "convene welcome set". */
export function commandPath(interaction: ChatInputCommandInteraction): string {
  const group = interaction.options.getSubcommandGroup(false);
  const sub = interaction.options.getSubcommand(false);
  return [interaction.commandName, group, sub].filter(Boolean).join(' ');
}

/** Read the typed options of `def` from an interaction; a missing required option is a user error. */
export function readOptions(def: CommandDefinition, interaction: ChatInputCommandInteraction) {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(def.options) as [string, OptionSpec][]) {
    const required = spec.required ?? false;
    switch (spec.type) {
      case 'string':
        values[name] = interaction.options.getString(name, required) ?? undefined;
        break;
      case 'integer':
        values[name] = interaction.options.getInteger(name, required) ?? undefined;
        break;
      case 'boolean':
        values[name] = interaction.options.getBoolean(name, required) ?? undefined;
        break;
      case 'member': {
        const user = interaction.options.getUser(name, required);
        values[name] = user ? asMemberId(user.id) : undefined;
        break;
      }
      case 'channel': {
        const channel = interaction.options.getChannel(name, required);
        values[name] = channel ? asChannelId(channel.id) : undefined;
        break;
      }
      case 'role': {
        const role = interaction.options.getRole(name, required);
        values[name] = role ? asRoleId(role.id) : undefined;
        break;
      }
      case 'attachment': {
        const file = interaction.options.getAttachment(name, required);
        values[name] = file
          ? ({
              name: file.name,
              url: file.url,
              size: file.size,
              contentType: file.contentType,
            } satisfies AttachmentValue)
          : undefined;
        break;
      }
    }
  }
  return values;
}

async function guildName(deps: Deps, guildId: string): Promise<string> {
  const db = databaseOf(deps);
  const { guilds } = db.tables;
  const [guild] = await db.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, guildId));
  return guild?.name ?? '';
}

async function isModerator(interaction: Interaction, deps: Deps): Promise<boolean> {
  const perms = interaction.memberPermissions;
  if (perms?.has(PermissionFlagsBits.ManageGuild, true)) return true;
  if (!interaction.guildId) return false;
  const extra = (await readSettings(databaseOf(deps), asGuildId(interaction.guildId))).core.moderatorRoleIds;
  if (extra.length === 0) return false;
  const member = interaction.member;
  const roles =
    member && 'roles' in member
      ? Array.isArray(member.roles)
        ? member.roles
        : [...(member as GuildMember).roles.cache.keys()]
      : [];
  return roles.some((r) => extra.includes(r));
}

async function baseContext(interaction: Interaction, deps: Deps, dmGuild: string | null = null) {
  const member = interaction.member as GuildMember | null;
  const guildId = interaction.guildId ?? dmGuild!;
  return {
    platform: 'discord' as const,
    guild: { id: asGuildId(guildId), name: interaction.guild?.name ?? (await guildName(deps, guildId)) },
    member: {
      id: asMemberId(interaction.user.id),
      displayName: member?.displayName ?? interaction.user.globalName ?? interaction.user.username,
      // A press in a DM is never a moderator's: moderator buttons live in the server.
      moderator: interaction.inGuild() ? await isModerator(interaction, deps) : false,
    },
    channelId: interaction.channelId ? asChannelId(interaction.channelId) : null,
    deps,
    now: Date.now(),
  };
}

function payload(unfitted: MessageBody) {
  // Replies are fitted like every sent message: a reply over a limit is refused as a whole.
  const body = fitDiscordBody(unfitted);
  return {
    content: body.content || undefined,
    embeds: embeds(body),
    components: components(body.buttons),
    files: files(body).map((f) => ({ attachment: f.data, name: f.name })),
    allowedMentions: {
      parse: [],
      users: body.mentions?.members ?? [],
      roles: body.mentions?.roles ?? [],
      repliedUser: false,
    },
  };
}

/** Discord: a modal has a title ≤ 45 characters and at most 5 text inputs, each in its own row. */
function modalFor(spec: ModalSpec): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(spec.id)
    .setTitle(fitPlain(spec.title, LIMITS.modalTitle) || 'Convene')
    .addComponents(
      spec.fields.slice(0, 5).map((field) => {
        const input = new TextInputBuilder()
          .setCustomId(field.id)
          .setLabel(fitPlain(field.label, LIMITS.modalLabel) || field.id)
          .setStyle(field.style === 'paragraph' ? TextInputStyle.Paragraph : TextInputStyle.Short)
          .setRequired(field.required ?? false);
        if (field.minLength !== undefined) input.setMinLength(field.minLength);
        if (field.maxLength !== undefined) input.setMaxLength(Math.min(4000, field.maxLength));
        if (field.placeholder) input.setPlaceholder(fitPlain(field.placeholder, 100));
        return new ActionRowBuilder<TextInputBuilder>().addComponents(input);
      }),
    );
}

async function answer(
  interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction,
  work: Promise<Reply>,
  deferAtOnce: boolean,
): Promise<void> {
  let deferred: Promise<unknown> | null = null;
  const defer = (ephemeral: boolean) => {
    deferred ??= interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    return deferred;
  };
  if (deferAtOnce) await defer(true);
  const timer = deferAtOnce ? null : setTimeout(() => void defer(true), DEFER_AFTER_MS);
  let result: Reply;
  try {
    result = await work;
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (result.kind === 'modal') {
    // A deferred interaction cannot open a form any more: send the private fallback instead.
    if (!deferred && (interaction.isButton() || interaction.isChatInputCommand())) {
      await interaction.showModal(modalFor(result.modal));
      return;
    }
    result = { kind: 'message', ephemeral: true, body: result.body };
  }
  if (deferred) {
    await deferred;
    const body = payload(result.body);
    if (result.kind === 'update' && interaction.isButton()) {
      await interaction.message.edit(body);
      await interaction.deleteReply().catch(() => undefined);
      return;
    }
    await interaction.editReply(body);
    return;
  }
  if (result.kind === 'update') {
    if (interaction.isButton()) {
      await interaction.update(payload(result.body));
      return;
    }
    if (interaction.isModalSubmit() && interaction.isFromMessage()) {
      await interaction.update(payload(result.body));
      return;
    }
  }
  const ephemeral = result.kind === 'message' && result.ephemeral;
  await interaction.reply({ ...payload(result.body), ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) });
}

/**
 * Buttons on DMs (intro requests, feedback) carry their guild as the first part of their argument
 * ("<guild>:<rest>"). Such a press counts only when that guild is ours and the presser is its member.
 */
async function dmGuildOf(interaction: Interaction, deps: Deps): Promise<string | null> {
  if (!interaction.isButton() && !interaction.isModalSubmit()) return null;
  const arg = interaction.customId.split(':').slice(1);
  const guildId = arg[0];
  if (!guildId) return null;
  const db = databaseOf(deps);
  const { members } = db.tables;
  const [member] = await db
    .select({ id: members.memberId })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, interaction.user.id), isNull(members.leftAt)))
    .limit(1);
  return member ? guildId : null;
}

export async function handleInteraction(
  interaction: Interaction,
  router: InteractionRouter,
  deps: Deps,
): Promise<void> {
  const dmGuild = interaction.inGuild() ? null : await dmGuildOf(interaction, deps);
  if (!interaction.inGuild() && !dmGuild) {
    if (interaction.isRepliable()) {
      await interaction.reply({
        content: 'Convene works inside a server: run this command there.',
        flags: MessageFlags.Ephemeral,
      });
    }
    return;
  }
  if (interaction.isChatInputCommand() && interaction.inGuild()) {
    const path = commandPath(interaction);
    const def = router.commands.get(path);
    if (!def) {
      await interaction.reply({
        content: `I do not know /${path} (yet). Try /help.`,
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const work = (async () => {
      let options: Record<string, unknown>;
      try {
        options = readOptions(def, interaction);
      } catch (error) {
        return reply.ephemeral(`That did not work: ${(error as Error).message}. Try /help ${path.split(' ')[0]}.`);
      }
      const ctx = { ...(await baseContext(interaction, deps)), options } as CommandContext;
      return runCommand(def, ctx);
    })();
    await answer(interaction, work, def.slow ?? false);
    return;
  }
  if (interaction.isButton() || interaction.isModalSubmit()) {
    const [id, ...rest] = interaction.customId.split(':');
    const def = router.buttons.get(id ?? '');
    if (!def) {
      await interaction.reply({ content: 'This button is no longer active.', flags: MessageFlags.Ephemeral });
      return;
    }
    const fields = interaction.isModalSubmit()
      ? Object.fromEntries(interaction.fields.fields.map((f) => [f.customId, 'value' in f ? String(f.value) : '']))
      : undefined;
    const work = (async () =>
      runButton(def, {
        ...(await baseContext(interaction, deps, dmGuild)),
        arg: rest.join(':'),
        ...(fields ? { fields } : {}),
      }))();
    await answer(interaction, work, false);
  }
}
