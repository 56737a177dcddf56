/**
 * A fetch that connects to public addresses only, for forums connected by a moderator's command.
 *
 * probe.ts checks the forum's address once, before the first request; that check alone does not hold:
 * the forum may redirect (fetch follows, to http://169.254.169.254/ as readily as anywhere), and its
 * name may resolve to a public address for the check and to 127.0.0.1 for the request, or weeks
 * later for every send (DNS rebinding). So the address is checked where the connection is made, for
 * every connection: the name resolved by the same lookup that the socket then uses, an address typed
 * as an address before the socket is opened. A refused address makes the request fail with
 * PrivateAddressError as its cause, and nothing is sent to it.
 *
 * undici (the library behind Node's fetch) is used for its Agent: Node's global fetch does not let a
 * caller choose how its connections resolve names.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

export class PrivateAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} is a private or local address (${address}): Convene connects forums on public addresses only`);
    this.name = 'PrivateAddressError';
  }
}

/** Whether Convene may not connect to `address` (an IP address as text). */
export type AddressRule = (address: string) => boolean;

/** A lookup that answers as dns.lookup does, or fails when any address of the name is refused. */
function guardedLookup(blocked: AddressRule): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => blocked(a.address));
      if (refused) return callback(new PrivateAddressError(hostname, refused.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** fetch through connections that refuse every address `blocked` names. */
export function publicOnlyFetch(blocked: AddressRule): typeof fetch {
  const connector = buildConnector({ lookup: guardedLookup(blocked) } as buildConnector.BuildOptions);
  const agent = new Agent({
    connect(options, callback) {
      const host = options.hostname.replace(/^\[|\]$/g, '');
      // An address typed as one is never looked up: checked here, before the socket opens.
      if (isIP(host) && blocked(host)) return callback(new PrivateAddressError(host, host), null);
      connector(options, callback);
    },
  });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch;
}

/** The refusal somewhere in an error's causes (fetch wraps it: "fetch failed"), if any. */
export function privateAddressIn(error: unknown): PrivateAddressError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof PrivateAddressError) return e;
  }
  return undefined;
}
