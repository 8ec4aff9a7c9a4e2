import { randomBytes, randomUUID } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/**
 * Resource IDs in the reference product's shape: a prefix and 8 lowercase alphanumerics (`vpc-3k9d0a1z`).
 * Eight random base-36 characters give 2.8e12 values; creation still writes with `attribute_not_exists`,
 * so a collision is a retried conflict, never an overwrite. Time order lives in index sort keys
 * (`createdAt#id`), not in the ID, because the reference shape has no room for a timestamp.
 */
export function resourceId(prefix: string, length = 8): string {
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 36).
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && out.length < length) out += ALPHABET[byte % 36];
    }
  }
  return `${prefix}-${out}`;
}

/** Random string over [A-Za-z0-9] for credentials (SecretId / SecretKey shapes of the reference product). */
export function randomToken(length: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += chars[byte % 62];
    }
  }
  return out;
}

/** A numeric string of the given length whose first digit is not zero (UINs, AppIds). */
export function randomDigits(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 250 && out.length < length) {
        const digit = byte % 10;
        if (out.length === 0 && digit === 0) continue;
        out += String(digit);
      }
    }
  }
  return out;
}

export function requestId(): string {
  return randomUUID();
}
