export type DatabaseKind = 'sqlite' | 'postgres';
/** `all`: one gateway process (API and worker); `split`: one API process and one worker process. */
export type Topology = 'all' | 'split';

export type Phase = 'e2e' | 'batch' | 'latency' | 'reads';
const PHASES: readonly Phase[] = ['e2e', 'batch', 'latency', 'reads'];

export interface BenchOptions {
  databases: DatabaseKind[];
  /** Executions (and raw BullMQ jobs) in the throughput phases. */
  count: number;
  /** HTTP clients with one request in flight each; raw BullMQ adds with as many in flight. */
  clients: number;
  /** The gateway worker's concurrency (WORKER_CONCURRENCY), and the raw BullMQ worker's. */
  concurrency: number;
  /** Submission rates (requests a second) for the latency phase. */
  rates: number[];
  /** Seconds each fixed-rate and read measurement lasts. */
  seconds: number;
  /** Records seeded for the read phase, per database. */
  seedRows: Record<DatabaseKind, number>;
  topology: Record<DatabaseKind, Topology>;
  /** Where the report is appended; null: printed only. */
  appendTo: string | null;
  /** Which gateway measurements run (the limit always does). */
  phases: Phase[];
  /** When set, gateway processes write V8 CPU profiles here (node --cpu-prof). */
  profileDir: string | null;
  smoke: boolean;
  pgServerUrl: string;
  redisUrl: string;
}

const USAGE = `npm run bench -- [options]
  --smoke               tiny sizes, nothing appended (what CI runs)
  --db sqlite,postgres  which databases (default both)
  --n 5000              executions in the throughput phase (and raw BullMQ jobs)
  --clients 50          concurrent HTTP clients (and raw BullMQ adds in flight)
  --concurrency 50      worker concurrency, gateway and raw BullMQ alike (WORKER_CONCURRENCY)
  --rates 100,500,1000  fixed submission rates for the latency phase
  --seconds 10          length of each fixed-rate and read measurement
  --rows-sqlite 100000  records seeded for the reads on SQLite
  --rows-postgres 1000000  records seeded for the reads on PostgreSQL
  --topology-sqlite all     all (one process) or split (API + worker processes)
  --topology-postgres all
  --out docs/benchmarks.md  file the report is appended to (--smoke: none unless given)
  --no-append           print the report only
  --phases e2e,batch,latency,reads  which gateway measurements to run (default all)
  --profile DIR         gateway processes write CPU profiles to DIR (see bench/cpu-profile-summary.ts)
  PG_URL (postgres://postgres@127.0.0.1:5432/test) and REDIS_URL (redis://127.0.0.1:6379) say where.`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (name === 'help') throw new Error(USAGE);
    if (name === 'smoke' || name === 'no-append') flags.set(name, 'true');
    else flags.set(name, inline ?? argv[++i] ?? '');
  }
  const smoke = flags.has('smoke');
  const int = (name: string, fallback: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
    return Number(raw);
  };
  const topology = (kind: DatabaseKind, fallback: Topology): Topology => {
    const raw = flags.get(`topology-${kind}`) ?? fallback;
    if (raw !== 'all' && raw !== 'split') throw new Error(`--topology-${kind} must be all or split, got "${raw}"`);
    return raw;
  };
  const databases = (flags.get('db') ?? 'sqlite,postgres').split(',').map((name) => name.trim());
  const unknown = databases.find((name) => name !== 'sqlite' && name !== 'postgres');
  if (unknown !== undefined) throw new Error(`--db takes sqlite and/or postgres, got "${unknown}"`);
  const phases = (flags.get('phases') ?? PHASES.join(',')).split(',').map((name) => name.trim());
  const badPhase = phases.find((name) => !PHASES.includes(name as Phase));
  if (badPhase !== undefined) throw new Error(`--phases takes ${PHASES.join(', ')}, got "${badPhase}"`);
  const rates = (flags.get('rates') ?? (smoke ? '50' : '100,500,1000')).split(',').map(Number);
  if (rates.some((rate) => !Number.isInteger(rate) || rate < 1)) throw new Error(`--rates must be positive integers`);
  return {
    databases: databases as DatabaseKind[],
    count: int('n', smoke ? 100 : 5000),
    clients: int('clients', smoke ? 8 : 50),
    concurrency: int('concurrency', smoke ? 10 : 50),
    rates,
    seconds: int('seconds', smoke ? 1 : 10),
    seedRows: { sqlite: int('rows-sqlite', smoke ? 1000 : 100_000), postgres: int('rows-postgres', smoke ? 1000 : 1_000_000) },
    topology: { sqlite: topology('sqlite', 'all'), postgres: topology('postgres', 'all') },
    appendTo: flags.get('out') ?? (smoke || flags.has('no-append') ? null : 'docs/benchmarks.md'),
    phases: phases as Phase[],
    profileDir: flags.get('profile') ?? null,
    smoke,
    pgServerUrl: env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
