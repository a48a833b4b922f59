import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

interface Entry<T> {
  value?: T;
  computedAt: number;
  refreshing?: Promise<T>;
}

/** Beyond this many keys the cache starts over. */
const MAX_KEYS = 10_000;

/**
 * Counts over many rows, computed at most once per STATISTICS_CACHE_MS for each key (what the
 * caller may see, and the filter). Dashboards poll them; an exact count of half a million rows on
 * every poll would cost a core. A value older than the lifetime is still answered while one
 * refresh runs (stale-while-revalidate), so no caller waits for the recount; a value older than
 * twice the lifetime is recounted first. Concurrent first asks share one count.
 */
@Injectable()
export class StatisticsCache<T = unknown> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly config: AppConfig) {}

  /** `compute` answers the value of `key`: keys of values of different shapes must differ. */
  async get<V extends T>(key: string, compute: () => Promise<V>, now = Date.now()): Promise<V> {
    const ttl = this.config.statisticsCacheMs;
    if (ttl === 0) return compute();
    let entry = this.entries.get(key);
    if (!entry) {
      if (this.entries.size >= MAX_KEYS) this.entries.clear();
      entry = { computedAt: 0 };
      this.entries.set(key, entry);
    }
    const age = now - entry.computedAt;
    if (entry.value !== undefined && age < ttl) return entry.value as V;
    const refresh = this.refresh(entry, compute);
    if (entry.value !== undefined && age < 2 * ttl) {
      refresh.catch(() => undefined); // the next ask after a failed refresh counts again
      return entry.value as V;
    }
    return refresh as Promise<V>;
  }

  private refresh(entry: Entry<T>, compute: () => Promise<T>): Promise<T> {
    entry.refreshing ??= compute()
      .then((value) => {
        entry.value = value;
        entry.computedAt = Date.now();
        return value;
      })
      .finally(() => (entry.refreshing = undefined));
    return entry.refreshing;
  }
}
