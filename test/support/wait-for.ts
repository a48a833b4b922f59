import type { TestApp } from './test-app';

const TERMINAL = ['completed', 'failed', 'cancelled', 'timeout'];

/** Polls `GET /executions/{id}` until `done` holds (default: a terminal status). Never a fixed sleep. */
export async function waitForExecution(
  testApp: TestApp,
  auth: string,
  id: string,
  done: (body: Record<string, any>) => boolean = (body) => TERMINAL.includes(body.status),
  timeoutMs = 15_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, any> = {};
  while (Date.now() < deadline) {
    const response = await testApp.http().get(`/api/v1/executions/${id}`).set('Authorization', auth);
    last = response.body;
    if (response.status === 200 && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`execution ${id} did not reach the expected state in ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}
