/** Guild, channel list, roles, members (paged), member roles, and active threads. */
import { guildPermissions } from '../access.js';
import { invalidFormBody, missingAccess, missingPermissions, unknownMember, unknownRole } from '../errors.js';
import type { GuildRecord, RoleRecord } from '../model.js';
import { Permission } from '../permissions.js';
import { canView, renderChannel, renderGuild, renderMember, renderRole, renderThreadMember } from '../render.js';
import type { Router } from '../router.js';
import { compareIds } from '../snowflake.js';
import { botId, intQuery, type RestContext, requireGuild } from './context.js';

export function guildRoutes(router: Router, ctx: RestContext): void {
  const { store, world } = ctx;

  router.get('/guilds/:guild_id', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    const withCounts = req.query.get('with_counts') === 'true';
    return {
      status: 200,
      body: {
        ...renderGuild(guild),
        ...(withCounts ? { approximate_member_count: guild.members.size, approximate_presence_count: 0 } : {}),
      },
    };
  });

  router.get('/guilds/:guild_id/channels', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    return {
      status: 200,
      body: store
        .guildChannels(guild.id)
        .filter((c) => !c.thread)
        .map((c) => renderChannel(store, c)),
    };
  });

  router.get('/guilds/:guild_id/roles', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    return { status: 200, body: [...guild.roles.values()].map(renderRole) };
  });

  router.get('/guilds/:guild_id/members', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    // Discord: listing members needs the GUILD_MEMBERS privileged intent enabled for the app.
    if (!store.application.privilegedIntents.guildMembers) throw missingAccess();
    const limit = intQuery(req.query, 'limit', 1, 1, 1000);
    const after = req.query.get('after') ?? '0';
    const members = [...guild.members.values()]
      .filter((m) => compareIds(m.userId, after) > 0)
      .sort((a, b) => compareIds(a.userId, b.userId))
      .slice(0, limit);
    return { status: 200, body: members.map((m) => renderMember(store, m)) };
  });

  router.get('/guilds/:guild_id/members/search', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    const query = req.query.get('query');
    if (query === null) {
      throw invalidFormBody([{ path: ['query'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
    }
    const limit = intQuery(req.query, 'limit', 1, 1, 1000);
    const q = query.toLowerCase();
    const members = [...guild.members.values()]
      .filter((m) => {
        const user = store.user(m.userId)!;
        return [user.username, user.globalName ?? '', m.nick ?? ''].some((n) => n.toLowerCase().startsWith(q));
      })
      .slice(0, limit);
    return { status: 200, body: members.map((m) => renderMember(store, m)) };
  });

  router.get('/guilds/:guild_id/members/:user_id', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    const userId = req.params.user_id === '@me' ? botId(ctx) : req.params.user_id!;
    const member = guild.members.get(userId);
    if (!member) throw unknownMember();
    return { status: 200, body: renderMember(store, member) };
  });

  router.patch('/guilds/:guild_id/members/:user_id', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    const member = guild.members.get(req.params.user_id!);
    if (!member) throw unknownMember();
    const patch: { nick?: string | null; roles?: string[] } = {};
    if ('nick' in req.body) {
      requireGuildPermission(ctx, guild, Permission.ManageNicknames);
      patch.nick = (req.body.nick as string | null) ?? null;
    }
    if (Array.isArray(req.body.roles)) {
      const roles = (req.body.roles as string[]).map(String);
      const changed = [
        ...roles.filter((r) => !member.roles.includes(r)),
        ...member.roles.filter((r) => !roles.includes(r)),
      ];
      for (const roleId of changed) requireManageableRole(ctx, guild, roleId);
      patch.roles = roles;
    }
    const updated = world.updateMember(guild.id, member.userId, patch);
    return { status: 200, body: renderMember(store, updated) };
  });

  const changeRole = (add: boolean) => (req: { params: Record<string, string> }) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    const role = requireManageableRole(ctx, guild, req.params.role_id!);
    const member = guild.members.get(req.params.user_id!);
    if (!member) throw unknownMember();
    const has = member.roles.includes(role.id);
    // Discord answers 204 and changes nothing when the member already has (or lacks) the role.
    if (has !== add) {
      world.updateMember(guild.id, member.userId, {
        roles: add ? [...member.roles, role.id] : member.roles.filter((r) => r !== role.id),
      });
    }
    return { status: 204 };
  };
  router.put('/guilds/:guild_id/members/:user_id/roles/:role_id', changeRole(true));
  router.delete('/guilds/:guild_id/members/:user_id/roles/:role_id', changeRole(false));

  router.get('/guilds/:guild_id/threads/active', (req) => {
    const guild = requireGuild(ctx, req.params.guild_id!);
    const bot = botId(ctx);
    const threads = store
      .guildChannels(guild.id)
      .filter((c) => c.thread && !c.thread.archived && canView(store, c, bot));
    return {
      status: 200,
      body: {
        threads: threads.map((t) => renderChannel(store, t)),
        members: threads
          .filter((t) => t.thread!.members.has(bot))
          .map((t) => renderThreadMember(t.id, bot, t.thread!.members.get(bot)!)),
      },
    };
  });
}

function requireGuildPermission(ctx: RestContext, guild: GuildRecord, bit: bigint): void {
  if ((guildPermissions(ctx.store, guild.id, botId(ctx)) & bit) !== bit) throw missingPermissions();
}

/** Discord: MANAGE_ROLES, and only roles below the bot's highest role; managed roles never. */
function requireManageableRole(ctx: RestContext, guild: GuildRecord, roleId: string): RoleRecord {
  const role = guild.roles.get(roleId);
  if (!role || role.id === guild.id) throw unknownRole();
  requireGuildPermission(ctx, guild, Permission.ManageRoles);
  const botMember = guild.members.get(botId(ctx))!;
  const highest = Math.max(0, ...botMember.roles.map((r) => guild.roles.get(r)?.position ?? 0));
  const isOwner = guild.ownerId === botId(ctx);
  if (role.managed || (!isOwner && role.position >= highest)) throw missingPermissions();
  return role;
}
