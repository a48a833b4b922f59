import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { PrincipalsService } from '../src/auth/principals.service';
import { Execution } from '../src/executions/execution.entity';
import { launchChromium, openConsolePage, screenshot, signIn } from './support/browser';
import { createCaller, dataSource, TestCaller, uniqueName } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil, waitForExecution } from './support/wait-for';

const LIVE = 20_000;
const POLL = { timeoutMs: LIVE, intervalMs: 100 };
/** Long enough that a delayed execution is still pending when the test acts on it. */
const LATER = { delay_ms: 600_000 };

/** The console's pieces for callers' features (SPEC 7): bulk actions, per-task statistics, webhook deliveries. */
describe('web console: bulk actions, statistics, deliveries (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let admin: TestCaller;
  let uma: TestCaller;
  let page: Page;
  let errors: string[];
  let receiver: Server;
  let receiverUrl: string;
  let received = 0;

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received++;
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    t = await createTestApp({ env: { WEBHOOK_SECRET: 'console-test-secret-0123456789', WEBHOOK_ALLOW_PRIVATE: 'true' } });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    admin = await createCaller(t.app, { isAdmin: true, name: uniqueName('ada') });
    uma = await createCaller(t.app, { permissions: ['demo.run'], name: uniqueName('uma') });
    browser = await launchChromium();
    ({ page, errors } = await openConsolePage(browser, baseUrl));
    await signIn(page, uma.secret);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  afterEach(() => expect(errors).toEqual([]));

  const execute = async (caller: TestCaller, body: object): Promise<string> =>
    (await t.http().post('/api/v1/tasks/execute').set('Authorization', caller.auth).send(body).expect(202)).body.execution_id;
  const record = (id: string) => dataSource(t.app).getRepository(Execution).findOneByOrFail({ id });
  const row = (id: string, status?: string) =>
    `[data-testid="execution-row"][data-execution-id="${id}"]${status ? `[data-status="${status}"]` : ''}`;
  const openList = async () => {
    await page.goto(`${baseUrl}/admin/#/tasks`);
    await page.goto(`${baseUrl}/admin/#/executions`);
    await page.getByTestId('executions-table').waitFor();
    // The list keeps its filters between visits: each test starts from none.
    await page.getByRole('button', { name: 'Clear filters' }).click();
  };

  it('cancels the selected executions after saying how many can be', async () => {
    const picked = [await execute(uma, { task_name: 'demo.sleep', kwargs: { ms: 10 }, ...LATER })];
    picked.push(await execute(uma, { task_name: 'demo.sleep', kwargs: { ms: 10 }, ...LATER }));
    const untouched = await execute(uma, { task_name: 'demo.sleep', kwargs: { ms: 10 }, ...LATER });
    await openList();
    for (const id of picked) await page.locator(`${row(id, 'pending')} [data-testid="select-row"]`).check();
    expect(await page.getByTestId('selected-count').innerText()).toBe('2');
    await page.getByTestId('cancel-selected').click();
    expect(await page.getByTestId('bulk-count').innerText()).toMatch(/2 of 2 executions selected can be cancelled/);
    await page.getByTestId('bulk-confirm-button').click();
    for (const id of picked) await page.waitForSelector(row(id, 'cancelled'), { timeout: LIVE });
    expect((await Promise.all(picked.map(record))).map((execution) => execution.status)).toEqual(['cancelled', 'cancelled']);
    expect((await record(untouched)).status).toBe('pending');
  });

  it('cancels everything matching the filters after a dry run, and nothing of anyone else', async () => {
    const others = await execute(admin, { task_name: 'demo.sleep', kwargs: { ms: 10 }, ...LATER });
    const mine = [await execute(uma, { task_name: 'demo.sleep', kwargs: { ms: 10 }, ...LATER })];
    mine.push(await execute(uma, { task_name: 'demo.sleep', kwargs: { ms: 10 }, ...LATER }));
    await openList();
    await page.getByTestId('filter-status-pending').check();
    await page.waitForSelector(row(mine[0], 'pending'));
    const pendingOfUma = await dataSource(t.app).getRepository(Execution).countBy({ ownerId: uma.principal.id, status: 'pending' });
    await page.getByTestId('cancel-matching').click();
    await page.waitForSelector(`[data-testid="bulk-confirm"][data-affected="${pendingOfUma}"]`, { timeout: LIVE });
    // The dry run changed nothing.
    expect((await record(mine[0])).status).toBe('pending');
    await screenshot(page, 'console-bulk-cancel');
    await page.getByTestId('bulk-confirm-button').click();
    await page.getByTestId('bulk-bar').waitFor({ timeout: LIVE });
    await pollUntil(
      () => Promise.all(mine.map(record)),
      (executions) => executions.every((execution) => execution.status === 'cancelled'),
      POLL,
    );
    expect((await record(others)).status).toBe('pending');
  });

  it('retries a selected failed execution', async () => {
    const failed = await execute(uma, { task_name: 'demo.fail', kwargs: { message: 'flaky' } });
    await waitForExecution(t, uma.auth, failed);
    await openList();
    await page.locator(`${row(failed, 'failed')} [data-testid="select-row"]`).check();
    await page.getByTestId('retry-selected').click();
    expect(await page.getByTestId('bulk-count').innerText()).toMatch(/1 of 1 execution selected can be retried/);
    await page.getByTestId('bulk-confirm-button').click();
    await pollUntil(
      () => dataSource(t.app).getRepository(Execution).countBy({ retriedFrom: failed }),
      (count) => count === 1,
      POLL,
    );
  });

  it('shows per-task statistics as a table and a chart, per window', async () => {
    for (const a of [1, 2]) await waitForExecution(t, uma.auth, await execute(uma, { task_name: 'demo.add', kwargs: { a, b: 1 } }));
    await page.getByTestId('nav-statistics').click();
    const addRow = page.locator('[data-testid="statistics-row"][data-task="demo.add"]');
    await addRow.waitFor({ timeout: LIVE });
    expect(Number(await addRow.getByTestId('stat-total').innerText())).toBeGreaterThanOrEqual(2);
    expect(Number(await addRow.getByTestId('stat-completed').innerText())).toBeGreaterThanOrEqual(2);
    expect(await addRow.getByTestId('stat-duration-p50').innerText()).toMatch(/\d+ (ms|s)/);
    await page.locator('[data-testid="statistics-chart"] g[data-task="demo.add"] rect.bar-completed').waitFor();
    await screenshot(page, 'console-statistics');
    await page.getByTestId('window-1h').click();
    await page.waitForSelector('[data-testid="window-1h"][aria-pressed="true"]');
    await addRow.waitFor();
    // A task's name opens its executions.
    await addRow.locator('a').click();
    await page.getByTestId('executions-table').waitFor();
    expect(await page.getByTestId('filter-task').inputValue()).toBe('demo.add');
  });

  it('runs several copies of a task as one batch from the run form', async () => {
    const before = await dataSource(t.app).getRepository(Execution).countBy({ ownerId: uma.principal.id, taskName: 'demo.add' });
    await page.goto(`${baseUrl}/admin/#/tasks`);
    const card = page.locator('[data-testid="task-card"][data-task-name="demo.add"]');
    await card.getByTestId('run-task').click();
    const form = page.getByTestId('run-form');
    await form.locator('[name="kwarg-a"]').fill('4');
    await form.locator('[name="kwarg-b"]').fill('5');
    await form.getByTestId('run-copies').fill('3');
    await form.getByTestId('submit-run').click();
    await page.getByTestId('executions-table').waitFor({ timeout: LIVE });
    expect(await page.getByTestId('filter-task').inputValue()).toBe('demo.add');
    const runs = await pollUntil(
      () => dataSource(t.app).getRepository(Execution).findBy({ ownerId: uma.principal.id, taskName: 'demo.add' }),
      (rows) => rows.length === before + 3,
      POLL,
    );
    expect(runs.filter((run) => run.kwargs.a === 4 && run.kwargs.b === 5)).toHaveLength(3);
  });

  it('lists the webhook deliveries on the execution’s page', async () => {
    const before = received;
    const id = await execute(uma, { task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: receiverUrl });
    await waitForExecution(t, uma.auth, id);
    await pollUntil(
      () => received,
      (count) => count > before,
      POLL,
    );
    await page.goto(`${baseUrl}/admin/#/executions/${id}`);
    await page.getByTestId('webhook-deliveries').waitFor({ timeout: LIVE });
    await page.waitForSelector('[data-testid="delivery-row"][data-delivered="true"]', { timeout: LIVE });
    expect(await page.getByTestId('webhook-deliveries').innerText()).toContain('204');
    expect(await page.getByTestId('webhook-deliveries').innerText()).toContain(receiverUrl);
  });

  it('explains on the run form what execute would decide, before submitting', async () => {
    const group = uniqueName('approvers');
    await t.app.get(PrincipalsService).createGroup(group);
    const vic = await createCaller(t.app, { name: uniqueName('vic') });
    for (const terms of [
      { conditions: { 'kwargs.a': { $lte: 10 } } },
      { conditions: { 'kwargs.a': { $lte: 1000 } }, approval: { group } },
    ]) {
      await t
        .http()
        .post('/api/v1/admin/grants')
        .set('Authorization', admin.auth)
        .send({ principal_id: vic.principal.id, permission: 'demo.run', ...terms })
        .expect(201);
    }
    const own = await openConsolePage(browser, baseUrl);
    try {
      await signIn(own.page, vic.secret);
      await own.page.goto(`${baseUrl}/admin/#/tasks`);
      await own.page.locator('[data-testid="task-card"][data-task-name="demo.add"]').getByTestId('run-task').click();
      const form = own.page.getByTestId('run-form');
      const explained = (outcome: string) =>
        form.locator(`[data-testid="explanation"][data-outcome="${outcome}"]`).waitFor({ timeout: LIVE });
      await form.locator('[name="kwarg-b"]').fill('1');
      await form.locator('[name="kwarg-a"]').fill('5');
      await explained('run');
      expect(await form.getByTestId('explanation').innerText()).toContain('granted direct');
      await form.locator('[name="kwarg-a"]').fill('500');
      await explained('approval');
      expect(await form.getByTestId('explanation').innerText()).toContain(`from group ${group}`);
      expect(await form.getByTestId('submit-run').innerText()).toBe('Ask for approval');
      await form.locator('[name="kwarg-a"]').fill('5000');
      await explained('denied');
      expect(await form.getByTestId('explanation').innerText()).toContain('kwargs.a');
      // Explaining wrote nothing; nothing was submitted.
      expect(await dataSource(t.app).getRepository(Execution).countBy({ ownerId: vic.principal.id })).toBe(0);
      expect(own.errors).toEqual([]);
    } finally {
      await own.page.context().close();
    }
  });
});
