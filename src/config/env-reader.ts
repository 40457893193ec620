import type { Env } from './env';

/**
 * Reads typed settings from an environment whose `_FILE` secrets are already resolved,
 * collecting every problem instead of stopping at the first one. Problems name the
 * variable and what is expected; values are quoted only where they cannot be secrets.
 */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  required(name: string, hint: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name}: required (${hint})`);
      return '';
    }
    return value;
  }

  optional(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  /** An http(s) URL without its trailing slashes. `quote` is false where a URL may hold a secret. */
  url(name: string, value: string | undefined, quote = true): string | undefined {
    if (value === undefined || value === '') {
      return value;
    }
    if (!isHttpUrl(value)) {
      this.problems.push(`${name}: must be an http(s) URL${quote ? `, got "${value}"` : ''}`);
    }
    return value.replace(/\/+$/, '');
  }

  requiredUrl(name: string, hint: string): string {
    return this.url(name, this.required(name, hint)) ?? '';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${value}"`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) {
      return fallback;
    }
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name}: must be one of ${allowed.join(', ')}, got "${value}"`);
      return fallback;
    }
    return value as T;
  }
}

export function isHttpUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}
