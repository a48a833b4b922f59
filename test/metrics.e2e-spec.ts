import request from 'supertest';
import { createCaller, TestCaller } from './support/factories';
import { parsePrometheusText, sampleValue } from './support/prometheus-text';
import { freePort, runCli, startGateway } from './support/processes';
import { createTestApp, deleteQueueKeys, TestApp } from './support/test-app';
import { testEnv } from './support/test-config';
import { waitForExecution } from './support/wait-for';
import { loadAppConfig } from '../src/config/load-app-config';

describe('GET /metrics (e2e)', () => {
  let t: TestApp;
  let caller: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: 'scrape-secret' } });
    caller = await createCaller(t.app, { permissions: ['demo.run'] });
  });

  afterAll(() => t.close());

  const run = async (body: object) => {
    const { body: accepted } = await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(body).expect(202);
    return waitForExecution(t, caller.auth, accepted.execution_id);
  };
  const scrape = async () =>
    parsePrometheusText((await t.http().get('/metrics').set('Authorization', 'Bearer scrape-secret').expect(200)).text);

  it('needs METRICS_TOKEN when one is configured', async () => {
    await t.http().get('/metrics').expect(401);
    await t.http().get('/metrics').set('Authorization', 'Bearer wrong').expect(401);
    await t.http().get('/metrics').set('Authorization', caller.auth).expect(401);
  });

  it('parses, and counts executions by task and status', async () => {
    await run({ task_name: 'demo.add', kwargs: { a: 1, b: 2 } });
    await run({ task_name: 'demo.add', kwargs: { a: 3, b: 4 } });
    await run({ task_name: 'demo.fail', kwargs: { message: 'no' } });
    const samples = await scrape();
    expect(sampleValue(samples, 'taskgate_executions_started_total', { task: 'demo.add' })).toBe(2);
    expect(sampleValue(samples, 'taskgate_executions_finished_total', { task: 'demo.add', status: 'completed' })).toBe(2);
    expect(sampleValue(samples, 'taskgate_executions_finished_total', { task: 'demo.fail', status: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'taskgate_execution_duration_seconds_count', { task: 'demo.add' })).toBe(2);
    expect(sampleValue(samples, 'taskgate_queue_jobs', { queue: 'default', state: 'active' })).toBe(0);
    expect(sampleValue(samples, 'taskgate_worker_active_jobs')).toBe(0);
  });

  it('times HTTP requests by route pattern and status, never by raw URL', async () => {
    const samples = await scrape();
    expect(
      sampleValue(samples, 'taskgate_http_request_duration_seconds_count', {
        route: '/api/v1/tasks/execute',
        status: '202',
        method: 'POST',
      }),
    ).toBe(3);
    expect(samples.some((s) => s.labels.route === '/api/v1/executions/:id' && s.labels.status === '200')).toBe(true);
    expect(samples.some((s) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(s.labels.route ?? ''))).toBe(false);
  });
});

describe('a worker process serves /health/live and /metrics (e2e)', () => {
  it('answers probes and scrapes on PORT, and nothing else', async () => {
    const env = { ...testEnv({ LOG_FILE: '', LOG_LEVEL: 'info' }), ROLE: 'worker' };
    expect(runCli(env, 'migrate').status).toBe(0);
    const port = await freePort();
    const worker = startGateway({ ...env, PORT: String(port) });
    try {
      await worker.waitForOutput(/worker probes on port/);
      const http = request(`http://127.0.0.1:${port}`);
      expect((await http.get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
      const samples = parsePrometheusText((await http.get('/metrics').expect(200)).text);
      expect(sampleValue(samples, 'taskgate_worker_active_jobs')).toBe(0);
      await http.get('/api/v1/me').expect(404);
    } finally {
      await worker.stop();
      await deleteQueueKeys(loadAppConfig(env));
    }
  });
});
