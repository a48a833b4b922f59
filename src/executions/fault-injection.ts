import { AppConfig } from '../config/app-config';

/**
 * Test-only: with `TASKGATE_FAULT=exit-before-enqueue` the process dies the hardest way right after
 * the record's commit and before its job exists, so the reliability suite can show the reconciler
 * picking such a record up. Unset (the default) it does nothing.
 */
export function crashIfInjected(config: AppConfig, point: AppConfig['fault']): void {
  if (config.fault !== '' && config.fault === point) process.kill(process.pid, 'SIGKILL');
}
