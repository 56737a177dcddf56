/**
 * Try a forum's settings before they are stored (/convene forum connect). First the address: a
 * private or local one (loopback, RFC 1918, link-local such as the cloud metadata service…) is
 * refused unless CONVENE_ALLOW_PRIVATE_FORUMS=true, else a moderator of any server could use these
 * probes and their answers to map the network Convene runs in. Then three real calls, each telling
 * apart one thing a moderator can fix.
 *   1. GET /site/basic-info.json: is there a Discourse at that address?
 *   2. GET /u/<api username>.json with the key: do the key and the username open the API?
 *   3. GET /admin/users/list/active.json: is it an admin key? (Convene reads the member list,
 *      grants badges and manages groups, which only admins may.)
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { ForumProbeResult, ForumSettings } from '../../commands.js';
import { PermanentSendError } from '../../outbox/platformSender.js';
import { DiscourseClient, DiscourseRequestError } from './client.js';
import { type AddressRule, privateAddressIn, publicOnlyFetch } from './publicOnly.js';

/** A moderator waits for the answer: a forum slower than this is as good as unreachable. */
const PROBE_TIMEOUT_MS = 8_000;

export interface ProbeOptions {
  allowPrivate: boolean;
  /** Which addresses are private (tests name their own); default isPrivateAddress. */
  blocked?: AddressRule;
  fetch?: typeof fetch;
}

export async function probeForum(settings: ForumSettings, options: ProbeOptions): Promise<ForumProbeResult> {
  const rule = options.blocked ?? isPrivateAddress;
  if (!options.allowPrivate) {
    let blocked: string | null;
    try {
      blocked = await privateAddressOf(new URL(settings.url).hostname, rule);
    } catch (error) {
      return { ok: false, problem: 'unreachable', detail: describe(error) };
    }
    if (blocked) return { ok: false, problem: 'private-address', detail: blocked };
  }
  // Checked again at every connection: a redirect or a name resolving elsewhere the second time.
  const fetchImpl = options.fetch ?? (options.allowPrivate ? undefined : publicOnlyFetch(rule));
  const client = new DiscourseClient({
    ...settings,
    timeoutMs: PROBE_TIMEOUT_MS,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  let title: string;
  try {
    title = await client.siteTitle();
  } catch (error) {
    const refusedAddress = privateAddressIn(error);
    if (refusedAddress) return { ok: false, problem: 'private-address', detail: refusedAddress.address };
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
    const refusedAddress = privateAddressIn(error);
    if (refusedAddress) return { ok: false, problem: 'private-address', detail: refusedAddress.address };
    if (refused(error) || (error instanceof DiscourseRequestError && error.status === 404)) {
      return { ok: false, problem: 'bad-key', detail: describe(error) };
    }
    return { ok: false, problem: 'unreachable', detail: describe(error) };
  }
  try {
    await client.usersPage(1);
  } catch (error) {
    const refusedAddress = privateAddressIn(error);
    if (refusedAddress) return { ok: false, problem: 'private-address', detail: refusedAddress.address };
    if (refused(error)) return { ok: false, problem: 'not-admin', detail: describe(error) };
    return { ok: false, problem: 'unreachable', detail: describe(error) };
  }
  return { ok: true, title };
}

const refused = (error: unknown) =>
  error instanceof DiscourseRequestError && (error.status === 401 || error.status === 403);

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  // ::, ::1 and the deprecated IPv4-compatible addresses (::a.b.c.d).
  ['::', 96],
  // NAT64 for local use (RFC 8215).
  ['64:ff9b:1::', 48],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

/**
 * Whether an address is private or local. An IPv4 address inside IPv6 (::ffff:10.0.0.1) counts as
 * the IPv4 address it carries.
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  if (isIP(address) !== 6) return PRIVATE.check(address, 'ipv4');
  const translated = nat64Ipv4(address);
  return translated ? PRIVATE.check(translated, 'ipv4') : PRIVATE.check(address, 'ipv6');
}

const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/**
 * The IPv4 address a NAT64 address (64:ff9b::/96, RFC 6052) stands for: on a network with a NAT64
 * translator, 64:ff9b::a9fe:a9fe reaches 169.254.169.254. Null for any other address.
 */
function nat64Ipv4(address: string): string | null {
  if (!NAT64.check(address, 'ipv6')) return null;
  // The URL parser writes the address in its canonical form: the last two groups hold the IPv4 one.
  const groups = new URL(`http://[${address}]`).hostname.slice(1, -1).split(':');
  const high = Number.parseInt(groups.at(-2) || '0', 16);
  const low = Number.parseInt(groups.at(-1) || '0', 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** The first private or local address `host` is or resolves to, or null when all are public. */
export async function privateAddressOf(host: string, blocked: AddressRule = isPrivateAddress): Promise<string | null> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare) ? [{ address: bare }] : await lookup(bare, { all: true });
  return addresses.find(({ address }) => blocked(address))?.address ?? null;
}
