/**
 * MessageBody → Discord message JSON. Every message carries explicit allowed_mentions: `parse` is
 * always empty, so "@everyone", "@here" or a role mention typed by a member pings nobody; only the
 * members and roles listed in `body.mentions` can be pinged.
 */
import type {
  APIActionRowComponent,
  APIButtonComponent,
  APIEmbed,
  RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { ButtonStyle, ComponentType } from 'discord.js';
import type { Button, MessageBody } from '../../actions.js';
import { fitDiscordBody, fitPlain, LIMITS } from '../../text/fit.js';

/** Discord: at most 5 buttons per row and 5 rows per message. */
const BUTTONS_PER_ROW = 5;
const MAX_ROWS = 5;
/** Discord: nonce is at most 25 characters. */
const NONCE_MAX = 25;

const STYLE: Record<
  NonNullable<Button['style']>,
  ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger
> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
};

export function allowedMentions(body: MessageBody) {
  return {
    parse: [] as never[],
    users: [...new Set(body.mentions?.members ?? [])].slice(0, 100),
    roles: [...new Set(body.mentions?.roles ?? [])].slice(0, 100),
    replied_user: false,
  };
}

export function components(buttons: readonly Button[] | undefined): APIActionRowComponent<APIButtonComponent>[] {
  if (!buttons?.length) return [];
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let i = 0; i < buttons.length && rows.length < MAX_ROWS; i += BUTTONS_PER_ROW) {
    rows.push({
      type: ComponentType.ActionRow,
      components: buttons.slice(i, i + BUTTONS_PER_ROW).map((b) => ({
        type: ComponentType.Button,
        custom_id: b.id,
        label: fitPlain(b.label, LIMITS.buttonLabel) || '…',
        style: STYLE[b.style ?? 'secondary'],
      })),
    });
  }
  return rows;
}

export function embeds(body: MessageBody): APIEmbed[] {
  return (body.embeds ?? []).map((e) => ({
    title: e.title,
    description: e.description,
    url: e.url,
    color: e.color,
    fields: e.fields?.map((f) => ({ name: f.name, value: f.value, inline: f.inline })),
    footer: e.footer ? { text: e.footer } : undefined,
    image: e.imageAttachment ? { url: `attachment://${e.imageAttachment}` } : undefined,
  }));
}

/** A thread's name as Discord takes it: one line of 1-100 characters (names show no markdown). */
export const threadName = (name: string): string => fitPlain(name, LIMITS.threadName) || 'Intro';

/** The files of a body, in the shape @discordjs/rest takes. */
export function files(body: MessageBody) {
  return (body.attachments ?? []).map((a) => ({
    name: a.name,
    contentType: a.contentType,
    data: Buffer.from(a.dataBase64, 'base64'),
  }));
}

/** A nonce derived from the outbox row: the same action always sends the same nonce. */
export function nonceFor(outboxId: number): string {
  return `cv${outboxId}`.slice(0, NONCE_MAX);
}

/** The message as Discord takes it: fitted to every limit here, the one place all messages pass. */
export function messageJson(unfitted: MessageBody, extra: Partial<RESTPostAPIChannelMessageJSONBody> = {}) {
  const body = fitDiscordBody(unfitted);
  const json: RESTPostAPIChannelMessageJSONBody = {
    content: body.content || undefined,
    embeds: embeds(body),
    components: components(body.buttons),
    allowed_mentions: allowedMentions(body),
    ...extra,
  };
  if (body.attachments?.length) {
    json.attachments = body.attachments.map((a, i) => ({ id: i, filename: a.name }));
  }
  return json;
}
