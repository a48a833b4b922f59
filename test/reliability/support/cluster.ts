import { join } from 'node:path';
import { loadAppConfig } from '../../../src/config/load-app-config';
import { freePort, ManagedProcess } from '../../support/managed-process';
import { ROOT } from '../../support/processes';
import { RedisOptions, RedisServer } from '../../support/redis-server';
import { testEnv } from '../../support/test-config';
import { Control } from './control';

const NODE_ENTRY = join(ROOT, 'test', 'reliability', 'support', 'reliability-node.ts');
const READY = /reliability node ready/;

/** Fast fault detection, so a spec waits seconds, not minutes, for a takeover or a reconcile. */
export const FAST_RECOVERY = {
  STALLED_INTERVAL_MS: '1000',
  RECONCILE_INTERVAL_MS: '1000',
  RECONCILE_GRACE_MS: '3000',
  SHUTDOWN_GRACE_MS: '2000',
};

export interface ApiNode {
  process: ManagedProcess;
  url: string;
}

export interface ClusterOptions {
  redis?: RedisOptions;
  /** Environment for every gateway process, over `testEnv` and FAST_RECOVERY. */
  env?: Record<string, string>;
}

/**
 * API and worker processes (the current sources, through ts-node) on one database and a Redis of
 * the spec's own. Everything it started is stopped by `stop()`, by pid.
 */
export class Cluster {
  private readonly processes: ManagedProcess[] = [];

  private constructor(
    readonly env: Record<string, string>,
    readonly redis: RedisServer,
    readonly control: Control,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const redis = await RedisServer.start({ ...options.redis, logFile: true });
    const env = testEnv({
      REDIS_URL: redis.url,
      DEMO_TASKS: 'false',
      LOG_FILE: '', // each process logs to its stdout, which ManagedProcess keeps
      RATE_LIMIT_EXECUTE: '0',
      ...FAST_RECOVERY,
      ...options.env,
    });
    const control = await Control.open(loadAppConfig(env)).catch(async (error) => {
      await redis.stop();
      throw error;
    });
    return new Cluster(env, redis, control);
  }

  async startApi(env: Record<string, string> = {}): Promise<ApiNode> {
    const port = String(await freePort());
    const node = await this.startNode('api', { ...env, PORT: port });
    return { process: node, url: `http://127.0.0.1:${port}` };
  }

  async startWorker(env: Record<string, string> = {}): Promise<ManagedProcess> {
    return this.startNode('worker', env);
  }

  /**
   * Starts a process of `role` and waits until it is ready (ts-node on a busy machine: allow a
   * minute). Each gets a port of its own: workers serve their probes on PORT too.
   */
  async startNode(role: 'api' | 'worker' | 'all', env: Record<string, string> = {}): Promise<ManagedProcess> {
    const args = ['-r', 'ts-node/register/transpile-only', NODE_ENTRY];
    const port = String(await freePort());
    const node = ManagedProcess.spawn(`rel-${role}`, process.execPath, args, {
      env: { ...this.env, PORT: port, ...env, ROLE: role },
      cwd: ROOT,
      logFile: true,
    });
    this.processes.push(node);
    await node.waitForOutput(READY, 90_000);
    return node;
  }

  /** Every process this cluster started, oldest first. */
  get nodes(): readonly ManagedProcess[] {
    return this.processes;
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((node) => node.stop('SIGTERM')));
    await this.control.close();
    await this.redis.stop('SIGKILL');
  }
}
