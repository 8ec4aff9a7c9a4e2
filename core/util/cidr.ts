/**
 * IPv4 ranges as integers. Addresses are strict dotted-decimal, so that `10.1` or `012.0.0.1` (which
 * some parsers read as octal) are refused instead of guessed at: what ipaddr.js's
 * `IPv4.isValidFourPartDecimal` accepts (a unit test compares the two), in a few lines rather than
 * ipaddr.js itself, which esbuild cannot tree-shake (13 KB of every inventory and Private Link bundle).
 */
export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
  /** Number of addresses in the block. */
  size: number;
  text: string;
}

export namespace Ipv4 {
  const DOTTED = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

  export function parse(text: string): number | undefined {
    const parts = DOTTED.exec(text)?.slice(1).map(Number);
    if (!parts || parts.some((b) => b > 255)) return undefined;
    return parts.reduce((acc, b) => acc * 256 + b, 0);
  }

  export function format(value: number): string {
    return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
  }
}

export namespace Cidr {
  export type ParseResult = { ok: true; cidr: Ipv4Cidr } | { ok: false; reason: string };

  export function parse(text: string): ParseResult {
    const slash = text.indexOf("/");
    if (slash < 0) return { ok: false, reason: "must be an IPv4 CIDR block such as 10.0.0.0/16" };
    const address = Ipv4.parse(text.slice(0, slash));
    const prefixText = text.slice(slash + 1);
    if (address === undefined || !/^\d{1,2}$/.test(prefixText)) {
      return { ok: false, reason: "must be an IPv4 CIDR block such as 10.0.0.0/16" };
    }
    const prefix = Number(prefixText);
    if (prefix > 32) return { ok: false, reason: "prefix length must be at most 32" };
    const size = 2 ** (32 - prefix);
    const base = address - (address % size);
    if (base !== address) {
      return { ok: false, reason: `host bits are set; did you mean ${Ipv4.format(base)}/${prefix}?` };
    }
    return { ok: true, cidr: { base, prefix, size, text: `${Ipv4.format(base)}/${prefix}` } };
  }

  export function contains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
    return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
  }

  export function containsAddress(block: Ipv4Cidr, address: number): boolean {
    return address >= block.base && address < block.base + block.size;
  }

  export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
    return a.base < b.base + b.size && b.base < a.base + a.size;
  }

  const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((t) => {
    const r = parse(t);
    if (!r.ok) throw new Error(t);
    return r.cidr;
  });

  /** VPCs live in the RFC 1918 ranges, as in the reference product. */
  export function isPrivate(block: Ipv4Cidr): boolean {
    return PRIVATE.some((range) => contains(range, block));
  }
}
