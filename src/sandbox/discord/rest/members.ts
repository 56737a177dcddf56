/**
 * `POST /interactions`: how a Discord client sends a member's slash command, button press or modal
 * submission, authenticated with the member's token (never the bot's). Discord answers 204 at once;
 * what the bot does with it arrives as messages, as it does for a Discord client.
 */
import type { OptionInput } from '../commandInvocation.js';
import { OptionType } from '../commandInvocation.js';
import { modalValues } from '../components.js';
import { invalidFormBody } from '../errors.js';
import type { MemberClient } from '../memberClient.js';
import type { RestRequest, Router } from '../router.js';
import type { UploadedFile } from '../uploads.js';

interface ClientOption {
  type: number;
  name: string;
  value?: unknown;
  options?: ClientOption[];
}

export function memberRoutes(router: Router, members: MemberClient): void {
  router.post(
    '/interactions',
    (req) => {
      const started = start(members, req);
      // Discord answers the client 204 before the bot replies; a bot that does not answer in time is
      // recorded on the interaction (Discord shows "did not respond"), so nothing is lost here.
      started.catch(() => undefined);
      return { status: 204 };
    },
    { auth: 'member' },
  );
}

function start(members: MemberClient, req: RestRequest) {
  const userId = req.caller!;
  const body = req.body;
  const data = (body.data ?? {}) as Record<string, unknown>;
  const channelId = typeof body.channel_id === 'string' ? body.channel_id : '';
  switch (body.type) {
    case 2: {
      const { commandLine, inputs } = commandFrom(data, req.files);
      return members.command(userId, channelId, commandLine, inputs);
    }
    case 3: {
      const values = Array.isArray(data.values) ? data.values.map(String) : undefined;
      return members.component(userId, channelId, String(body.message_id ?? ''), String(data.custom_id ?? ''), values);
    }
    case 5:
      return members.submitModal(userId, String(data.id ?? ''), modalValues(data.components));
    default:
      throw invalidFormBody([
        { path: ['type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of (2, 3, 5).' },
      ]);
  }
}

/** The client nests subcommands as options; attachments point at uploaded `files[n]` by index. */
function commandFrom(data: Record<string, unknown>, files: UploadedFile[]) {
  let commandLine = String(data.name ?? '');
  let options = (Array.isArray(data.options) ? data.options : []) as ClientOption[];
  while (
    options.length === 1 &&
    (options[0]!.type === OptionType.Subcommand || options[0]!.type === OptionType.SubcommandGroup)
  ) {
    commandLine += ` ${options[0]!.name}`;
    options = options[0]!.options ?? [];
  }
  const inputs: Record<string, OptionInput> = {};
  for (const option of options) {
    if (option.type === OptionType.Attachment) {
      const file = files.find((f) => f.field === `files[${String(option.value)}]`);
      if (!file) {
        throw invalidFormBody([
          { path: ['data', 'options'], code: 'INVALID', message: `No file uploaded for "${option.name}".` },
        ]);
      }
      inputs[option.name] = { filename: file.filename, contentType: file.contentType ?? undefined, data: file.data };
    } else {
      inputs[option.name] = option.value as OptionInput;
    }
  }
  return { commandLine, inputs };
}
