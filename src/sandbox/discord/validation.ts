/**
 * Discord's documented message limits, checked the way Discord reports them: every violation is
 * collected and returned in one 50035 "Invalid Form Body" with the field path. Sources: the official
 * OpenAPI spec (maxLength / maxItems) and the docs' "Embed Limits" (the 6000-character total).
 */
import { cannotSendEmpty, type FieldError, invalidFormBody } from './errors.js';

/** Discord: 2000 characters for bots (the spec's 4000 is the Nitro limit for people). */
export const MAX_CONTENT = 2000;
export const MAX_EMBEDS = 10;
export const MAX_EMBED_TOTAL = 6000;
export const MAX_ACTION_ROWS = 5;
/** Discord: components v2 messages (flag 1 << 15) may hold up to 40 components in total. */
const COMPONENTS_V2_FLAG = 1 << 15;
const MAX_V2_COMPONENTS = 40;

const EMBED_LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048 };
const AUTHOR_NAME = 256;
const URL_MAX = 2048;

type Body = Record<string, unknown>;

const tooLong = (path: (string | number)[], max: number): FieldError => ({
  path,
  code: 'BASE_TYPE_MAX_LENGTH',
  message: `Must be ${max} or fewer in length.`,
});
const badType = (path: (string | number)[], value: unknown, type: string): FieldError => ({
  path,
  code: 'BASE_TYPE_BAD_TYPE',
  message: `Could not interpret "${JSON.stringify(value)}" as ${type}.`,
});
const required = (path: (string | number)[]): FieldError => ({
  path,
  code: 'BASE_TYPE_REQUIRED',
  message: 'This field is required',
});

function checkString(errors: FieldError[], path: (string | number)[], value: unknown, max: number): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'string') {
    errors.push(badType(path, value, 'string'));
    return 0;
  }
  if (value.length > max) errors.push(tooLong(path, max));
  return value.length;
}

function isObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkEmbeds(errors: FieldError[], embeds: unknown): void {
  if (embeds === undefined || embeds === null) return;
  if (!Array.isArray(embeds)) {
    errors.push(badType(['embeds'], embeds, 'array'));
    return;
  }
  if (embeds.length > MAX_EMBEDS) errors.push(tooLong(['embeds'], MAX_EMBEDS));
  let total = 0;
  embeds.forEach((embed, i) => {
    const at = (...p: (string | number)[]) => ['embeds', i, ...p];
    if (!isObject(embed)) {
      errors.push(badType(at(), embed, 'object'));
      return;
    }
    total += checkString(errors, at('title'), embed.title, EMBED_LIMITS.title);
    total += checkString(errors, at('description'), embed.description, EMBED_LIMITS.description);
    checkString(errors, at('url'), embed.url, URL_MAX);
    if (isObject(embed.footer))
      total += checkString(errors, at('footer', 'text'), embed.footer.text, EMBED_LIMITS.footer);
    if (isObject(embed.author)) total += checkString(errors, at('author', 'name'), embed.author.name, AUTHOR_NAME);
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields)) {
        errors.push(badType(at('fields'), embed.fields, 'array'));
      } else {
        if (embed.fields.length > EMBED_LIMITS.fields) errors.push(tooLong(at('fields'), EMBED_LIMITS.fields));
        embed.fields.forEach((field: unknown, j: number) => {
          if (!isObject(field)) {
            errors.push(badType(at('fields', j), field, 'object'));
            return;
          }
          if (field.name === undefined || field.name === '') errors.push(required(at('fields', j, 'name')));
          if (field.value === undefined || field.value === '') errors.push(required(at('fields', j, 'value')));
          total += checkString(errors, at('fields', j, 'name'), field.name, EMBED_LIMITS.fieldName);
          total += checkString(errors, at('fields', j, 'value'), field.value, EMBED_LIMITS.fieldValue);
        });
      }
    }
    if (embed.color !== undefined && embed.color !== null && !Number.isInteger(embed.color)) {
      errors.push(badType(at('color'), embed.color, 'integer'));
    }
  });
  if (total > MAX_EMBED_TOTAL) {
    errors.push({
      path: ['embeds'],
      code: 'MAX_EMBED_SIZE_EXCEEDED',
      message: `Embed size exceeds maximum size of ${MAX_EMBED_TOTAL}`,
    });
  }
}

function countComponents(components: unknown[]): number {
  let n = 0;
  for (const c of components) {
    n++;
    if (isObject(c) && Array.isArray(c.components)) n += countComponents(c.components);
    if (isObject(c) && isObject(c.component)) n++;
  }
  return n;
}

function checkComponents(errors: FieldError[], components: unknown, flags: number): void {
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) return void errors.push(badType(['components'], components, 'array'));
  if (flags & COMPONENTS_V2_FLAG) {
    if (countComponents(components) > MAX_V2_COMPONENTS) errors.push(tooLong(['components'], MAX_V2_COMPONENTS));
    return;
  }
  if (components.length > MAX_ACTION_ROWS) errors.push(tooLong(['components'], MAX_ACTION_ROWS));
  const customIds = new Set<string>();
  components.forEach((row, i) => {
    if (!isObject(row) || row.type !== 1 || !Array.isArray(row.components)) {
      errors.push({ path: ['components', i], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be 1.' });
      return;
    }
    if (row.components.length === 0 || row.components.length > 5) {
      errors.push({
        path: ['components', i, 'components'],
        code: 'BASE_TYPE_BAD_LENGTH',
        message: 'Must be between 1 and 5 in length.',
      });
    }
    row.components.forEach((c: unknown, j: number) => {
      const at = (...p: string[]) => ['components', i, 'components', j, ...p];
      if (!isObject(c)) return;
      if (c.type === 2) {
        checkString(errors, at('label'), c.label, 80);
        if (c.style === 5) {
          if (typeof c.url !== 'string') errors.push(required(at('url')));
        } else if (typeof c.custom_id !== 'string' || c.custom_id === '') {
          errors.push(required(at('custom_id')));
        }
      }
      if (typeof c.custom_id === 'string') {
        checkString(errors, at('custom_id'), c.custom_id, 100);
        if (customIds.has(c.custom_id)) {
          errors.push({
            path: at('custom_id'),
            code: 'COMPONENT_CUSTOM_ID_DUPLICATED',
            message: 'Component custom id cannot be duplicated',
          });
        }
        customIds.add(c.custom_id);
      }
    });
  });
}

function checkAllowedMentions(errors: FieldError[], am: unknown): void {
  if (am === undefined || am === null) return;
  if (!isObject(am)) return void errors.push(badType(['allowed_mentions'], am, 'object'));
  const parse = am.parse;
  if (parse !== undefined) {
    if (!Array.isArray(parse)) {
      errors.push(badType(['allowed_mentions', 'parse'], parse, 'array'));
    } else {
      parse.forEach((p, i) => {
        if (p !== 'users' && p !== 'roles' && p !== 'everyone') {
          errors.push({
            path: ['allowed_mentions', 'parse', i],
            code: 'BASE_TYPE_CHOICES',
            message: `Value must be one of {'users', 'roles', 'everyone'}.`,
          });
        }
      });
    }
  }
  for (const kind of ['users', 'roles'] as const) {
    const list = am[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      errors.push(badType(['allowed_mentions', kind], list, 'array'));
      continue;
    }
    if (list.length > 100) errors.push(tooLong(['allowed_mentions', kind], 100));
    if (Array.isArray(parse) && parse.includes(kind) && list.length > 0) {
      errors.push({
        path: ['allowed_mentions'],
        code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        message: `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
      });
    }
  }
  if (am.replied_user !== undefined && typeof am.replied_user !== 'boolean') {
    errors.push(badType(['allowed_mentions', 'replied_user'], am.replied_user, 'boolean'));
  }
}

export interface MessageCheck {
  /** Edits (PATCH) may leave everything out; creates may not be empty. */
  partial: boolean;
  fileCount: number;
}

/** Throws Discord's 50035 (or 50006 for an empty create) when a message body breaks a limit. */
export function validateMessageBody(body: Body, check: MessageCheck): void {
  const errors: FieldError[] = [];
  checkString(errors, ['content'], body.content, MAX_CONTENT);
  checkEmbeds(errors, body.embeds);
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  checkComponents(errors, body.components, flags);
  checkAllowedMentions(errors, body.allowed_mentions);
  if (body.nonce !== undefined && body.nonce !== null) {
    if (typeof body.nonce === 'string') checkString(errors, ['nonce'], body.nonce, 25);
    else if (!Number.isInteger(body.nonce)) errors.push(badType(['nonce'], body.nonce, 'string or integer'));
  }
  if (errors.length > 0) throw invalidFormBody(errors);
  if (!check.partial && isEmptyMessage(body, check.fileCount)) throw cannotSendEmpty();
}

export function isEmptyMessage(body: Body, fileCount: number): boolean {
  const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
  return (
    (typeof body.content !== 'string' || body.content.trim() === '') &&
    !nonEmpty(body.embeds) &&
    !nonEmpty(body.components) &&
    !nonEmpty(body.sticker_ids) &&
    !isObject(body.poll) &&
    fileCount === 0
  );
}

/** Discord: command names 1-32 lowercase letters/digits/-/_, descriptions up to 100 characters. */
export function validateCommand(body: unknown, path: (string | number)[] = []): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(body)) return [badType(path, body, 'object')];
  const type = body.type ?? 1;
  if (typeof body.name !== 'string' || body.name.length < 1 || body.name.length > 32) {
    errors.push({
      path: [...path, 'name'],
      code: 'BASE_TYPE_BAD_LENGTH',
      message: 'Must be between 1 and 32 in length.',
    });
  } else if (type === 1 && !/^[-_\p{Ll}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u.test(body.name)) {
    errors.push({
      path: [...path, 'name'],
      code: 'APPLICATION_COMMAND_INVALID_NAME',
      message: 'Command name is invalid',
    });
  }
  if (type === 1) {
    if (typeof body.description !== 'string' || body.description.length < 1 || body.description.length > 100) {
      errors.push({
        path: [...path, 'description'],
        code: 'BASE_TYPE_BAD_LENGTH',
        message: 'Must be between 1 and 100 in length.',
      });
    }
  }
  if (Array.isArray(body.options)) {
    if (body.options.length > 25) errors.push(tooLong([...path, 'options'], 25));
    body.options.forEach((o, i) => {
      errors.push(...validateCommand({ ...(o as Body), type: 1 }, [...path, 'options', i]));
    });
  }
  return errors;
}
