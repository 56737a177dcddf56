/**
 * Whether the REST proxy (DISCORD_REST_PROXY) answers. When it does not, nothing reaches Discord:
 * /healthz and /convene status say so, and outbox rows wait for it without using up their attempts.
 */
import { HTTPError } from 'discord.js';
import { clearProblem, type Deps, raiseProblem } from '../../commands.js';
import { UnreachableError } from '../../outbox/platformSender.js';

const PROBLEM = 'rest-proxy';
/** How long rows wait before the next try while the proxy does not answer. */
export const PROXY_RETRY_MS = 5_000;

/** Connection-level failures: the request never left for Discord. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function connectionCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return code;
  }
  return undefined;
}

export interface RestReach {
  /** Called with null after a send that got an answer, or with the error of one that failed. */
  observe(error: unknown): void;
  /** The error to hand the outbox instead of `error`, when the proxy was not reached; else undefined. */
  unreachable(error: unknown): UnreachableError | undefined;
}

export function watchRestReach(deps: Pick<Deps, 'status' | 'log'>, proxyUrl: string): RestReach {
  const waiting = 'messages wait in the outbox and go out when it answers again';
  return {
    observe(error) {
      const code = error === null ? undefined : connectionCode(error);
      if (code) {
        const said = `Convene cannot reach its Discord REST proxy at ${proxyUrl} (${code}): ${waiting} (is npm run proxy running?)`;
        if (deps.status.problems?.[PROBLEM] !== said) deps.log.error({ proxy: proxyUrl, code }, said);
        raiseProblem(deps.status, PROBLEM, said);
      } else if (error instanceof HTTPError && (error.status === 502 || error.status === 504)) {
        // The proxy answered, but Discord did not answer it.
        const said = `The Discord REST proxy at ${proxyUrl} cannot reach Discord (${error.status}): ${waiting}`;
        if (deps.status.problems?.[PROBLEM] !== said) deps.log.error({ proxy: proxyUrl, status: error.status }, said);
        raiseProblem(deps.status, PROBLEM, said);
      } else if (clearProblem(deps.status, PROBLEM)) {
        deps.log.info({ proxy: proxyUrl }, 'the Discord REST proxy answers again');
      }
    },
    unreachable(error) {
      const code = connectionCode(error);
      return code
        ? new UnreachableError(`the Discord REST proxy at ${proxyUrl} is unreachable (${code})`, PROXY_RETRY_MS)
        : undefined;
    },
  };
}
