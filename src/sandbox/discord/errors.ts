/**
 * Discord's error bodies. Route handlers throw `DiscordHttpError`; the HTTP layer turns it into the
 * status and JSON Discord would send, which discord.js surfaces as `DiscordAPIError` with the same code.
 */

export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code: number; message: string; errors?: unknown },
  ) {
    super(`${status} ${body.code}: ${body.message}`);
  }
}

const known = (status: number, code: number, message: string) => () => new DiscordHttpError(status, { code, message });

export const unknownAccount = known(404, 10001, 'Unknown Account');
export const unknownApplication = known(404, 10002, 'Unknown Application');
export const unknownChannel = known(404, 10003, 'Unknown Channel');
export const unknownGuild = known(404, 10004, 'Unknown Guild');
export const unknownMember = known(404, 10007, 'Unknown Member');
export const unknownMessage = known(404, 10008, 'Unknown Message');
export const unknownRole = known(404, 10011, 'Unknown Role');
export const unknownUser = known(404, 10013, 'Unknown User');
export const unknownEmoji = known(400, 10014, 'Unknown Emoji');
export const unknownWebhook = known(404, 10015, 'Unknown Webhook');
export const unknownInteraction = known(404, 10062, 'Unknown interaction');
export const unknownCommand = known(404, 10063, 'Unknown application command');
export const alreadyAcknowledged = known(400, 40060, 'Interaction has already been acknowledged.');
export const missingAccess = known(403, 50001, 'Missing Access');
export const cannotSendEmpty = known(400, 50006, 'Cannot send an empty message');
export const cannotDm = known(403, 50007, 'Cannot send messages to this user');
export const missingPermissions = known(403, 50013, 'Missing Permissions');
export const invalidJson = known(400, 50109, 'The request body contains invalid JSON.');
export const threadArchived = known(400, 50083, 'Thread is archived');

/** A field-level error as Discord nests it under `errors`: `{ content: { _errors: [{ code, message }] } }`. */
export interface FieldError {
  path: (string | number)[];
  code: string;
  message: string;
}

export function invalidFormBody(fieldErrors: FieldError[]): DiscordHttpError {
  const errors: Record<string, unknown> = {};
  for (const e of fieldErrors) {
    let node = errors;
    for (const key of e.path) {
      const k = String(key);
      node[k] ??= {};
      node = node[k] as Record<string, unknown>;
    }
    const list = (node._errors ?? []) as { code: string; message: string }[];
    list.push({ code: e.code, message: e.message });
    node._errors = list;
  }
  return new DiscordHttpError(400, { code: 50035, message: 'Invalid Form Body', errors });
}

/** Discord's answer to a path it has no route for. */
export const NOT_FOUND_BODY = { message: '404: Not Found', code: 0 };
export const UNAUTHORIZED_BODY = { message: '401: Unauthorized', code: 0 };
