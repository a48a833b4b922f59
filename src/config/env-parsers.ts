import { ConfigError } from './config-error';

export type Env = Record<string, string | undefined>;

export function readString(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

export function readChoice<T extends string>(env: Env, name: string, fallback: T, choices: readonly T[]): T {
  const raw = readString(env, name, fallback).toLowerCase() as T;
  if (!choices.includes(raw)) throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${env[name]}"`);
  return raw;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Sizes as bytes or with a unit: `1048576`, `512kb`, `1mb`, `25MiB`. */
export function readSize(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const match = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = match?.[2].toLowerCase() ?? '';
  if (!match || !(unit in SIZE_UNITS)) throw new ConfigError(name, `must be a size such as 1048576, 512kb or 1mb, got "${raw}"`);
  const bytes = Number(match[1]) * SIZE_UNITS[unit];
  if (bytes < 1) throw new ConfigError(name, 'must be at least 1 byte');
  return bytes;
}
