import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may go. An organizer names the URL, and the engine's worker calls it: without
 * limits that is a way to make the engine call its own private network (SSRF). So endpoints are
 * https:// URLs of public addresses; `allowHttpLoopback` (WEBHOOK_ALLOW_HTTP_LOOPBACK, development
 * and tests only) also lets plain http:// reach a receiver on this machine's loopback address.
 * Checked when an endpoint is registered (`endpointUrlProblem`) and again for the address a delivery
 * actually connects to (`addressProblem`, used as the request's DNS lookup), so a name that later
 * resolves to a private address is refused too.
 */
const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) notPublic.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  notPublic.addSubnet(network, prefix, 'ipv6');
}
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The address without brackets; an IPv4-mapped IPv6 address (::ffff:7f00:1, ::ffff:127.0.0.1) as its IPv4 address. */
function bare(host: string): string {
  const ip = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const mapped = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(.+)$/.exec(ip)?.[1];
  if (!mapped || isIP(ip) !== 6) return ip;
  if (isIP(mapped) === 4) return mapped;
  const groups = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(mapped);
  if (!groups) return ip;
  const [high, low] = [parseInt(groups[1], 16), parseInt(groups[2], 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Why a delivery must not connect to this address, or undefined when it may. */
export function addressProblem(address: string, allowHttpLoopback: boolean): string | undefined {
  const ip = bare(address);
  if (allowHttpLoopback && loopback.check(ip, family(ip))) return undefined;
  if (notPublic.check(ip, family(ip))) return `${ip} is not a public address`;
  return undefined;
}

/** Why this URL cannot be an endpoint, or undefined when it can (the URL's form is checked by the contract). */
export function endpointUrlProblem(value: string, allowHttpLoopback: boolean): string | undefined {
  const url = new URL(value);
  const host = bare(url.hostname);
  const isLoopbackHost = host === 'localhost' || (isIP(host) !== 0 && loopback.check(host, family(host)));
  if (url.protocol === 'http:') {
    if (allowHttpLoopback && isLoopbackHost) return undefined;
    return allowHttpLoopback ? 'must be an https:// URL (plain http:// only to a loopback address such as 127.0.0.1)' : 'must be an https:// URL';
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return allowHttpLoopback ? undefined : 'must name a public host, not localhost';
  if (isIP(host) !== 0) {
    const problem = addressProblem(host, allowHttpLoopback);
    if (problem) return `must name a public host: ${problem}`;
  }
  return undefined;
}
