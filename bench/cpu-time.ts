import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second in /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms; 0 if it is gone. */
export function cpuMs(pid: number): number {
  try {
    // The command name may hold spaces: the fields after it start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Every process whose command name is `name` (PostgreSQL's backends, say). Read only. */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * CPU used between `start()` and `stop()` by each named group of processes. Groups given as a
 * command name are looked up again at the end, so PostgreSQL backends that came and went count as
 * far as they are still there (the pool keeps them).
 */
export class CpuMeter {
  private readonly before = new Map<number, number>();

  constructor(private readonly groups: Record<string, () => number[]>) {}

  start(): void {
    for (const pids of Object.values(this.groups)) for (const pid of pids()) this.before.set(pid, cpuMs(pid));
    this.before.set(process.pid, cpuMs(process.pid));
  }

  /** CPU ms per group, and `bench client` for this process itself. */
  stop(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [group, pids] of Object.entries(this.groups)) {
      used[group] = pids().reduce((sum, pid) => sum + cpuMs(pid) - (this.before.get(pid) ?? 0), 0);
    }
    used['bench client'] = cpuMs(process.pid) - (this.before.get(process.pid) ?? 0);
    return used;
  }
}
