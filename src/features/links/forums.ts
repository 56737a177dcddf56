/**
 * Forums connected by a moderator's command: each community brings its own Discourse forum (URL, API
 * username, API key), Convene tries them against the forum, stores the key and a generated webhook
 * secret sealed with CONVENE_SECRET_KEY, and pairs the forum with the server. The forum configured by
 * the environment (DISCOURSE_URL…) stays the single-forum shortcut (service.ts connectForum).
 * A forum belongs to the community: when the moderator who connected it erases their data, it stays
 * connected and working; only their id goes (feature.ts erase, eraseCore's audit scrub).
 */
import { randomBytes } from 'node:crypto';
import { type Deps, databaseOf, type ForumProbeResult, UserFacingError } from '../../commands.js';
import { type Database, transaction } from '../../db/database.js';
import { isUniqueViolation } from '../../db/errors.js';
import { forumHost, guildIdFor } from '../../forumIds.js';
import { newWebhookSecret, SecretBox } from '../../secrets/secretBox.js';
import { safeText } from '../../text/fit.js';
import { decideConnect, forumWebhookPath, normalizeForumUrl } from './forumRules.js';
import { deleteForum, type ForumRow, forumByForumGuild, forumOfGuild, insertForum, updateForum } from './forumStore.js';
import { lockPairing, pairCommunity, pairOf, unpairCommunity } from './identity.js';
import { audit, heldElsewhere } from './service.js';

/** The additional data a sealed value is bound to: a key sealed for one forum opens for no other. */
export const sealContext = (forumId: string, field: 'api-key' | 'webhook-secret') => `forum:${forumId}:${field}`;

export const NO_SECRET_KEY =
  'Connecting a forum needs CONVENE_SECRET_KEY in Convene’s environment (32 random bytes, such as the output of `openssl rand -base64 32`): the forum’s API key is stored encrypted with it. Ask whoever runs Convene to set it and restart. Nothing was stored.';

/** The box that seals forum secrets, or the refusal naming the variable. */
export function secretBoxOf(deps: Pick<Deps, 'config'>): SecretBox {
  if (!deps.config.secretKey) throw new UserFacingError(NO_SECRET_KEY);
  return new SecretBox(deps.config.secretKey);
}

/** A stored forum's key and secret in clear, for its REST client and webhook check; throws when the key does not open them. */
export function openForumSecrets(secretKey: Buffer, row: ForumRow): { apiKey: string; webhookSecret: string } {
  const box = new SecretBox(secretKey);
  return {
    apiKey: box.open(row.apiKeySealed, sealContext(row.id, 'api-key')),
    webhookSecret: box.open(row.webhookSecretSealed, sealContext(row.id, 'webhook-secret')),
  };
}

export interface ForumInput {
  url: string;
  apiUsername: string;
  apiKey: string;
}

export interface ConnectedForum {
  kind: 'new' | 'update';
  host: string;
  title: string;
  webhookUrl: string;
  /** Only for a new forum: shown once, never again. */
  secret: string | null;
}

/** Where the forum must deliver: CONVENE_PUBLIC_URL, else the address the HTTP server listens on. */
export function webhookUrlOf(deps: Pick<Deps, 'config' | 'status'>, forumId: string): string {
  const base = deps.config.publicUrl ?? deps.status.httpUrl ?? `http://127.0.0.1:${deps.config.httpPort}`;
  return `${base}${forumWebhookPath(forumId)}`;
}

export async function connectOwnForum(
  deps: Deps,
  guildId: string,
  actorId: string,
  input: ForumInput,
  now: number,
): Promise<ConnectedForum> {
  const box = secretBoxOf(deps);
  const url = normalizeForumUrl(input.url);
  if (!url) {
    throw new UserFacingError(
      `“${safeText(input.url.trim(), 200)}” is not a web address. Use the forum’s address as your browser shows it, such as https://forum.example.org. Nothing was stored.`,
    );
  }
  const apiUsername = input.apiUsername.trim().replace(/^@/, '');
  const apiKey = input.apiKey.trim();
  const forumGuildId = guildIdFor(url);
  const db = databaseOf(deps);
  await refuseUnlessAllowed(db, guildId, forumGuildId);
  if (!deps.probeForum) throw new Error('connectOwnForum: deps.probeForum is not wired');
  const probe = await deps.probeForum({ url, apiUsername, apiKey });
  if (!probe.ok) throw new UserFacingError(probeWords(probe, url, apiUsername));

  const result = await settledRace(db, guildId, forumGuildId, () =>
    transaction(db, async (tx): Promise<ConnectedForum> => {
      // Again inside the transaction: two servers connecting the same forum at once cannot both pass.
      await lockPairing(tx, guildId, forumGuildId);
      const decision = await refuseUnlessAllowed(tx, guildId, forumGuildId);
      const stored = await forumOfGuild(tx, guildId);
      if (decision.kind === 'update' && stored) {
        await updateForum(tx, stored.id, {
          url,
          title: probe.title,
          apiUsername,
          apiKeySealed: box.seal(apiKey, sealContext(stored.id, 'api-key')),
        });
        await audit(tx, guildId, actorId, 'forum.settings', { forum: forumGuildId }, { forum: forumGuildId }, now);
        return {
          kind: 'update',
          host: forumHost(forumGuildId),
          title: probe.title,
          webhookUrl: webhookUrlOf(deps, stored.id),
          secret: null,
        };
      }
      const id = randomBytes(9).toString('base64url');
      const secret = newWebhookSecret();
      await insertForum(tx, {
        id,
        guildId,
        forumGuildId,
        url,
        title: probe.title,
        apiUsername,
        apiKeySealed: box.seal(apiKey, sealContext(id, 'api-key')),
        webhookSecretSealed: box.seal(secret, sealContext(id, 'webhook-secret')),
        connectedBy: actorId,
        connectedAt: now,
      });
      const before = await pairOf(tx, guildId);
      await pairCommunity(tx, { guildId, forumGuildId, pairedBy: actorId, pairedAt: now });
      await audit(tx, guildId, actorId, 'forum.connect', before, { forum: forumGuildId, byCommand: true }, now);
      return {
        kind: 'new',
        host: forumHost(forumGuildId),
        title: probe.title,
        webhookUrl: webhookUrlOf(deps, id),
        secret,
      };
    }),
  );
  return result;
}

/**
 * Two servers connecting one forum at once: SQLite's single writer makes the second transaction see
 * the first's rows, PostgreSQL's READ COMMITTED lets both pass the check and the second insert
 * breaks the unique forum. Either way the second server gets the same refusal, from a fresh look.
 */
export async function settledRace<T>(
  db: Database,
  guildId: string,
  forumGuildId: string,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await refuseUnlessAllowed(db, guildId, forumGuildId);
    throw error;
  }
}

async function refuseUnlessAllowed(db: Database, guildId: string, forumGuildId: string) {
  const stored = await forumOfGuild(db, guildId);
  const decision = decideConnect({
    guildId,
    forumGuildId,
    forumPair: await pairOf(db, forumGuildId),
    guildPair: await pairOf(db, guildId),
    storedForumGuildId: stored?.forumGuildId ?? null,
  });
  // A forum stored for another server but not paired (cannot happen through commands) is still theirs.
  const owner = await forumByForumGuild(db, forumGuildId);
  if (decision.kind === 'held-elsewhere') throw await heldElsewhere(db, forumGuildId, decision.holderGuildId);
  if (owner && owner.guildId !== guildId) throw await heldElsewhere(db, forumGuildId, owner.guildId);
  if (decision.kind === 'other-forum') {
    throw new UserFacingError(
      `This server is already connected to the forum ${forumHost(decision.forumGuildId)}. One server connects one forum: run \`/convene forum disconnect\` first, then connect the other one. Nothing was stored.`,
    );
  }
  return decision;
}

/** What the moderator reads when the forum refused the settings. */
export function probeWords(probe: Extract<ForumProbeResult, { ok: false }>, url: string, apiUsername: string): string {
  const user = safeText(apiUsername, 60);
  switch (probe.problem) {
    case 'unreachable':
      return `I could not reach a forum at ${url}. Check the address (as your browser shows it) and that the forum is up, then try again. Nothing was stored.`;
    case 'not-discourse':
      return `${url} answered, but not as a Discourse forum does. Use the forum’s own address, without a page after it (such as https://forum.example.org). Nothing was stored.`;
    case 'bad-key':
      return `The forum refused the API key for the username “${user}”. In the forum’s admin (Admin → API → Keys), make a key for that user or for all users and paste it whole, with the username it belongs to. Nothing was stored.`;
    case 'private-address':
      return `${url} is or leads to a private or local address (${probe.detail}): Convene connects forums on public addresses only. If this Convene runs next to your forum on purpose, whoever runs it can allow that with CONVENE_ALLOW_PRIVATE_FORUMS=true. Nothing was stored.`;
    case 'not-admin':
      return `The key works, but “${user}” is not an admin of the forum. Convene needs an admin’s key: it reads the member list, grants badges and adds members to groups. Nothing was stored.`;
  }
}

/** A new webhook secret for this server's forum: the old one is refused from now on. */
export async function rotateForumSecret(deps: Deps, guildId: string, actorId: string, now: number) {
  const box = secretBoxOf(deps);
  const db = databaseOf(deps);
  const stored = await forumOfGuild(db, guildId);
  if (!stored) {
    throw new UserFacingError(
      deps.config.discourse
        ? 'This server’s forum comes from Convene’s environment (DISCOURSE_WEBHOOK_SECRET): its secret is changed there, not by command.'
        : 'This server has no forum connected by command. `/convene forum connect` connects one.',
    );
  }
  const secret = newWebhookSecret();
  await transaction(db, async (tx) => {
    await updateForum(tx, stored.id, {
      webhookSecretSealed: box.seal(secret, sealContext(stored.id, 'webhook-secret')),
    });
    await audit(tx, guildId, actorId, 'forum.rotate-secret', null, { forum: stored.forumGuildId }, now);
  });
  return { host: forumHost(stored.forumGuildId), webhookUrl: webhookUrlOf(deps, stored.id), secret };
}

/**
 * Forget a forum connected by command (its sealed key and secret go with the row) and the pair.
 * Null when this server has none (the caller then tries the environment's forum).
 */
export async function disconnectOwnForum(
  deps: Deps,
  guildId: string,
  actorId: string,
  now: number,
): Promise<{ host: string } | null> {
  const db = databaseOf(deps);
  const stored = await forumOfGuild(db, guildId);
  if (!stored) return null;
  await transaction(db, async (tx) => {
    await deleteForum(tx, stored.id);
    await unpairCommunity(tx, guildId);
    await audit(tx, guildId, actorId, 'forum.disconnect', { forum: stored.forumGuildId, byCommand: true }, null, now);
  });
  return { host: forumHost(stored.forumGuildId) };
}

/** For /convene status: what is stored, never a secret. */
export async function forumStatusLine(
  db: Database,
  deps: Pick<Deps, 'config' | 'status'>,
  guildId: string,
): Promise<string | null> {
  const stored: ForumRow | undefined = await forumOfGuild(db, guildId);
  if (!stored) return null;
  return `Forum ${forumHost(stored.forumGuildId)} connected by command (API user ${safeText(stored.apiUsername, 60)}) · webhook ${webhookUrlOf(deps, stored.id)} · webhook secret set, never shown again (\`/convene forum rotate-secret\` makes a new one)`;
}
