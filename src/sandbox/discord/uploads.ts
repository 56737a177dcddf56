/**
 * Files sent with a message. discord.js sends multipart/form-data with `payload_json` and one part per
 * file (`files[0]`, `files[1]`, …) and lists them in the payload's `attachments` as `{ id: "<n>" }`,
 * where n is the file's index; entries with a snowflake id keep an attachment the message already had.
 */
import type { AttachmentRecord } from './model.js';
import type { World } from './world.js';

export interface UploadedFile {
  /** form field name, e.g. "files[0]" */
  field: string;
  filename: string;
  contentType: string | null;
  data: Buffer;
}

/** Index n of a `files[n]` field (or any field ending in [n]); undefined for other names. */
function fileIndex(field: string): number | undefined {
  const match = /\[(\d+)\]$/.exec(field) ?? /^file(\d*)$/.exec(field);
  if (!match) return undefined;
  return match[1] === '' ? 0 : Number(match[1]);
}

export function collectAttachments(
  world: World,
  channelId: string,
  bodyAttachments: unknown,
  files: UploadedFile[],
  existing: AttachmentRecord[] = [],
): AttachmentRecord[] | undefined {
  const listed = Array.isArray(bodyAttachments) ? (bodyAttachments as Record<string, unknown>[]) : undefined;
  if (!listed && files.length === 0) return undefined;
  const byIndex = new Map<number, UploadedFile>();
  for (const [i, file] of files.entries()) byIndex.set(fileIndex(file.field) ?? i, file);
  const out: AttachmentRecord[] = [];
  const used = new Set<number>();
  for (const entry of listed ?? []) {
    const id = String(entry.id);
    const kept = existing.find((a) => a.id === id);
    if (kept) {
      out.push(kept);
      continue;
    }
    const file = byIndex.get(Number(id));
    if (!file) continue;
    used.add(Number(id));
    out.push(
      world.storeAttachment({
        channelId,
        filename: typeof entry.filename === 'string' ? entry.filename : file.filename,
        contentType: file.contentType,
        description: typeof entry.description === 'string' ? entry.description : null,
        data: file.data,
      }),
    );
  }
  // Discord: files not listed in `attachments` are still attached (older clients never list them).
  for (const [index, file] of byIndex) {
    if (used.has(index)) continue;
    out.push(
      world.storeAttachment({ channelId, filename: file.filename, contentType: file.contentType, data: file.data }),
    );
  }
  if (!listed) return [...existing, ...out];
  return out;
}
