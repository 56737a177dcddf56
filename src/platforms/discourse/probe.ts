/**
 * Try a forum's settings before they are stored (/convene forum connect): three real calls, each
 * telling apart one thing a moderator can fix.
 *   1. GET /site/basic-info.json: is there a Discourse at that address?
 *   2. GET /u/<api username>.json with the key: do the key and the username open the API?
 *   3. GET /admin/users/list/active.json: is it an admin key? (Convene reads the member list,
 *      grants badges and manages groups, which only admins may.)
 */
import type { ForumProbeResult, ForumSettings } from '../../commands.js';
import { PermanentSendError } from '../../outbox/platformSender.js';
import { DiscourseClient, DiscourseRequestError } from './client.js';

/** A moderator waits for the answer: a forum slower than this is as good as unreachable. */
const PROBE_TIMEOUT_MS = 8_000;

export async function probeForum(settings: ForumSettings, fetchImpl?: typeof fetch): Promise<ForumProbeResult> {
  const client = new DiscourseClient({
    ...settings,
    timeoutMs: PROBE_TIMEOUT_MS,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  let title: string;
  try {
    title = await client.siteTitle();
  } catch (error) {
    // Real Discourse answers basic-info without a key; a forum behind login_required (or the
    // emulator) wants the key even there, so a refusal here is the key's fault.
    if (refused(error)) return { ok: false, problem: 'bad-key', detail: describe(error) };
    if (error instanceof PermanentSendError || /non-JSON/.test(describe(error)))
      return { ok: false, problem: 'not-discourse', detail: describe(error) };
    return { ok: false, problem: 'unreachable', detail: describe(error) };
  }
  try {
    await client.user(settings.apiUsername);
  } catch (error) {
    if (refused(error) || (error instanceof DiscourseRequestError && error.status === 404)) {
      return { ok: false, problem: 'bad-key', detail: describe(error) };
    }
    return { ok: false, problem: 'unreachable', detail: describe(error) };
  }
  try {
    await client.usersPage(1);
  } catch (error) {
    if (refused(error)) return { ok: false, problem: 'not-admin', detail: describe(error) };
    return { ok: false, problem: 'unreachable', detail: describe(error) };
  }
  return { ok: true, title };
}

const refused = (error: unknown) =>
  error instanceof DiscourseRequestError && (error.status === 401 || error.status === 403);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));
