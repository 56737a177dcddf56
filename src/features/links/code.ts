/** One-time link codes (pure apart from the random source): six digits, stored only as a hash. */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export const CODE_TTL_MS = 15 * 60_000;

export function newCode(random: (max: number) => number = randomInt): string {
  return String(random(1_000_000)).padStart(6, '0');
}

export function hashCode(code: string): string {
  return createHash('sha256').update(code.trim()).digest('hex');
}

/** Constant-time comparison of a typed code with the stored hash. */
export function codeMatches(typed: string, storedHash: string): boolean {
  const a = Buffer.from(hashCode(typed), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
