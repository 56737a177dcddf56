/** Gateway discovery, the bot user, the application, and application commands (global and per guild). */
import { invalidFormBody, unknownApplication, unknownCommand, unknownUser } from '../errors.js';
import { applicationFlags } from '../intents.js';
import type { CommandRecord } from '../model.js';
import { renderCommand, renderUser } from '../render.js';
import type { Router } from '../router.js';
import { validateCommand } from '../validation.js';
import { type RestContext, requireGuild } from './context.js';

/** Discord: at most 100 global and 100 per-guild chat input commands. */
const MAX_COMMANDS = 100;

export function applicationRoutes(router: Router, ctx: RestContext): void {
  const { store } = ctx;

  router.get('/gateway/bot', () => ({
    status: 200,
    body: {
      url: ctx.gatewayUrl(),
      shards: ctx.recommendedShards(),
      session_start_limit: {
        total: 1000,
        remaining: 999,
        reset_after: 14_400_000,
        max_concurrency: ctx.maxConcurrency,
      },
    },
  }));
  router.get('/gateway', () => ({ status: 200, body: { url: ctx.gatewayUrl() } }), { auth: 'none' });

  router.get('/users/@me', () => ({
    status: 200,
    body: { ...renderUser(store.botUser), verified: true, mfa_enabled: false, locale: 'en-US', email: null },
  }));
  router.get('/users/:user_id', (req) => {
    const user = store.user(req.params.user_id!);
    if (!user) throw unknownUser();
    return { status: 200, body: renderUser(user) };
  });

  const application = () => {
    const app = store.application;
    return {
      id: app.id,
      name: app.name,
      icon: null,
      description: '',
      summary: '',
      type: null,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: '0'.repeat(64),
      flags: applicationFlags(app.privilegedIntents),
      bot: renderUser(store.botUser),
      owner: renderUser(store.botUser),
      team: null,
      hook: true,
      guild_id: null,
      approximate_guild_count: [...store.guilds.values()].filter((g) => g.members.has(app.botUserId)).length,
      integration_types_config: { '0': {} },
      redirect_uris: [],
      interactions_endpoint_url: null,
      tags: [],
    };
  };
  router.get('/applications/@me', () => ({ status: 200, body: application() }));
  router.get('/oauth2/applications/@me', () => ({ status: 200, body: application() }));

  const scope = (params: Record<string, string>): string | null => {
    if (params.application_id !== store.application.id) throw unknownApplication();
    if (params.guild_id) requireGuild(ctx, params.guild_id);
    return params.guild_id ?? null;
  };
  const inScope = (guildId: string | null) => [...store.commands.values()].filter((c) => c.guildId === guildId);
  const find = (guildId: string | null, commandId: string): CommandRecord => {
    const command = store.commands.get(commandId);
    if (!command || command.guildId !== guildId) throw unknownCommand();
    return command;
  };

  const upsert = (
    guildId: string | null,
    definition: Record<string, unknown>,
  ): { command: CommandRecord; created: boolean } => {
    const type = typeof definition.type === 'number' ? definition.type : 1;
    const name = definition.name as string;
    const existing = inScope(guildId).find((c) => c.name === name && c.type === type);
    const { id: _id, application_id: _app, version: _v, guild_id: _g, ...clean } = definition;
    // Discord keeps a command's id across re-registration with the same name and type.
    const command: CommandRecord = {
      id: existing?.id ?? store.ids.at(Date.now()),
      applicationId: store.application.id,
      guildId,
      version: store.ids.at(Date.now()),
      name,
      type,
      definition: { ...clean, type },
    };
    store.commands.set(command.id, command);
    return { command, created: !existing };
  };

  for (const base of ['/applications/:application_id', '/applications/:application_id/guilds/:guild_id']) {
    router.get(`${base}/commands`, (req) => ({
      status: 200,
      body: inScope(scope(req.params)).map(renderCommand),
    }));

    router.put(`${base}/commands`, (req) => {
      const guildId = scope(req.params);
      if (!Array.isArray(req.json)) {
        throw invalidFormBody([{ path: [], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' }]);
      }
      const definitions = req.json as Record<string, unknown>[];
      const errors = definitions.flatMap((d, i) => validateCommand(d, [i]));
      if (definitions.length > MAX_COMMANDS) {
        errors.push({ path: [], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_COMMANDS} or fewer in length.` });
      }
      const seen = new Set<string>();
      definitions.forEach((d, i) => {
        const key = `${d.type ?? 1}:${d.name}`;
        if (seen.has(key)) {
          errors.push({
            path: [i, 'name'],
            code: 'APPLICATION_COMMANDS_DUPLICATE_NAME',
            message: `Application command names must be unique`,
          });
        }
        seen.add(key);
      });
      if (errors.length > 0) throw invalidFormBody(errors);
      const kept = new Set<string>();
      const result = definitions.map((d) => {
        const { command } = upsert(guildId, d);
        kept.add(command.id);
        return command;
      });
      for (const c of inScope(guildId)) if (!kept.has(c.id)) store.commands.delete(c.id);
      return { status: 200, body: result.map(renderCommand) };
    });

    router.post(`${base}/commands`, (req) => {
      const guildId = scope(req.params);
      const errors = validateCommand(req.body);
      if (errors.length > 0) throw invalidFormBody(errors);
      const { command, created } = upsert(guildId, req.body);
      return { status: created ? 201 : 200, body: renderCommand(command) };
    });

    router.get(`${base}/commands/:command_id`, (req) => ({
      status: 200,
      body: renderCommand(find(scope(req.params), req.params.command_id!)),
    }));

    router.patch(`${base}/commands/:command_id`, (req) => {
      const guildId = scope(req.params);
      const command = find(guildId, req.params.command_id!);
      const merged = { ...command.definition, name: command.name, ...req.body };
      const errors = validateCommand(merged);
      if (errors.length > 0) throw invalidFormBody(errors);
      command.definition = { ...merged, type: command.type };
      command.name = merged.name as string;
      command.version = store.ids.at(Date.now());
      return { status: 200, body: renderCommand(command) };
    });

    router.delete(`${base}/commands/:command_id`, (req) => {
      const command = find(scope(req.params), req.params.command_id!);
      store.commands.delete(command.id);
      return { status: 204 };
    });
  }
}
