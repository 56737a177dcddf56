import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import {
  changeSettings,
  type GuildSettings,
  parseSettings,
  readSettings,
  SettingsError,
} from '../src/guildSettings.js';

/** A configuration is a few KB; anything this big is the wrong file. */
export const MAX_CONFIG_BYTES = 256 * 1024;
const DOWNLOAD_TIMEOUT_MS = 10_000;

export default defineCommand({
  name: 'convene config import',
  description: 'Replace the configuration with a JSON file from /convene config export',
  access: 'moderator',
  slow: true,
  options: {
    file: { type: 'attachment', description: 'The JSON file', required: true },
  },
  async run(ctx) {
    const file = ctx.options.file;
    if (file.size > MAX_CONFIG_BYTES) {
      throw new UserFacingError(
        `That file is ${Math.ceil(file.size / 1024)} KB; a configuration is at most 256 KB. Nothing changed.`,
      );
    }
    let text: string;
    try {
      const response = await fetch(file.url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      ctx.deps.log.warn({ err: error, guildId: ctx.guild.id }, 'config import: download failed');
      throw new UserFacingError('I could not download that file — try attaching it again. Nothing changed.');
    }
    if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
      throw new UserFacingError('That file is over 256 KB; a configuration is much smaller. Nothing changed.');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UserFacingError(`That file is not valid JSON (${(error as Error).message}). Nothing changed.`);
    }
    let next: GuildSettings;
    try {
      next = parseSettings(value);
    } catch (error) {
      if (error instanceof SettingsError) {
        throw new UserFacingError(`Nothing changed: \`${error.path}\` — ${error.problem}.`);
      }
      throw error;
    }
    const db = databaseOf(ctx.deps);
    const before = await readSettings(db, ctx.guild.id);
    const changed = (Object.keys(next) as (keyof GuildSettings)[]).filter(
      (section) => JSON.stringify(before[section]) !== JSON.stringify(next[section]),
    );
    if (changed.length === 0) return reply.ephemeral('That file matches the current configuration: nothing to change.');
    await changeSettings(db, ctx.guild.id, ctx.member.id, 'config.import', () => next, ctx.now);
    return reply.ephemeral(
      `Imported. Changed: ${changed.map((s) => `\`${s}\``).join(', ')}. The audit log has the before and after.`,
    );
  },
});
