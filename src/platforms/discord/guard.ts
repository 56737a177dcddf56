/**
 * Gateway event handlers behind a net. An exception thrown in a discord.js event listener propagates
 * into discord.js's packet handling and ends the process; a server that sends a payload nobody
 * expected (a CHANNEL_CREATE for a DM, a message without an author) must cost one event, not the bot.
 */
import type { Client, ClientEvents } from 'discord.js';
import type { Logger } from '../../log.js';

/** `client.on` whose handlers may throw or reject: the failure is logged with the event name and skipped. */
export function guardedOn(client: Client, log: Logger) {
  const report = (event: string, error: unknown) =>
    log.error({ err: error, event }, `discord: the ${event} handler failed on an unexpected payload; skipped it`);
  return <E extends keyof ClientEvents>(event: E, handler: (...args: ClientEvents[E]) => unknown): void => {
    client.on(event, (...args: ClientEvents[E]) => {
      try {
        const result = handler(...args);
        if (result instanceof Promise) result.catch((error: unknown) => report(event, error));
      } catch (error) {
        report(event, error);
      }
    });
  };
}
