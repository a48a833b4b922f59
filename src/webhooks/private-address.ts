import { isIP } from 'node:net';

/**
 * Ranges a callback may not reach unless WEBHOOK_ALLOW_PRIVATE is on: loopback, private, link-local
 * (the cloud metadata address 169.254.169.254 among them), unspecified, CGNAT, multicast, reserved
 * and documentation ranges. IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4)
 * are judged by the IPv4 address they carry.
 */
const IPV4_BLOCKED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

const IPV6_BLOCKED: Array<[bigint, number, string]> = [
  [0n, 128, 'unspecified'],
  [1n, 128, 'loopback'],
  [0xfc00n << 112n, 7, 'unique local (private)'],
  [0xfe80n << 112n, 10, 'link-local'],
  [0xfec0n << 112n, 10, 'site-local'],
  [0xff00n << 112n, 8, 'multicast'],
  [0x2001_0db8n << 96n, 32, 'documentation'],
  [0x2001_0000n << 96n, 32, 'Teredo'],
  [0x0100n << 112n, 64, 'discard-only'],
];

/** Why the address may not be called back (`loopback`, `private`, …), or null for a public address. */
export function blockedRange(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return ipv4Range(ipv4ToNumber(address));
  if (family === 6) return ipv6Range(ipv6ToBigInt(address));
  return 'not an IP address';
}

function ipv4Range(value: number): string | null {
  for (const [base, bits, name] of IPV4_BLOCKED) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === (ipv4ToNumber(base) & mask) >>> 0) return name;
  }
  return null;
}

function ipv6Range(value: bigint): string | null {
  const embedded = embeddedIpv4(value);
  if (embedded !== null) return ipv4Range(embedded);
  for (const [base, bits, name] of IPV6_BLOCKED) {
    const shift = BigInt(128 - bits);
    if (value >> shift === base >> shift) return name;
  }
  return null;
}

/** The IPv4 address an IPv6 address stands for: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16. */
function embeddedIpv4(value: bigint): number | null {
  const low32 = Number(value & 0xffff_ffffn);
  if (value >> 32n === 0xffffn) return low32;
  if (value >> 32n === 0n && value > 1n) return low32;
  if (value >> 32n === 0x0064_ff9b_0000_0000_0000_0000n) return low32;
  if (value >> 112n === 0x2002n) return Number((value >> 80n) & 0xffff_ffffn);
  return null;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}

/** An IPv6 address (with `::` and a dotted IPv4 tail allowed, zone id dropped) as a 128-bit number. */
function ipv6ToBigInt(address: string): bigint {
  let text = address.split('%')[0].toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4ToNumber(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return parts.reduce((value, part) => (value << 16n) | BigInt(parseInt(part || '0', 16)), 0n);
}
