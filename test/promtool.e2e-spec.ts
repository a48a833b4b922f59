import { spawnSync } from 'node:child_process';
import { createCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

/** Runs Prometheus's own linter on a scrape: exit status and everything it printed. */
function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 });
  if (result.error && 'code' in result.error && result.error.code === 'ENOENT') {
    throw new Error("promtool not found: install Debian's prometheus package (bash scripts/ensure-debian-packages.sh, as root)");
  }
  if (result.error) throw result.error;
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('GET /metrics passes `promtool check metrics` (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(() => t.close());

  it('with labelled series from finished executions, and no warnings', async () => {
    const caller = await createCaller(t.app, { permissions: ['demo.run'] });
    for (const body of [
      { task_name: 'demo.add', kwargs: { a: 1, b: 2 } },
      { task_name: 'demo.fail', kwargs: { message: 'no' } },
    ]) {
      const { body: accepted } = await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(body).expect(202);
      await waitForExecution(t, caller.auth, accepted.execution_id);
    }
    const { text } = await t.http().get('/metrics').expect(200);
    expect(text).toContain('taskgate_executions_finished_total{task="demo.fail",status="failed"}');

    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
  });
});
