import { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { PrincipalsService } from '../src/auth/principals.service';
import { launchChromium, openConsolePage, screenshot, signIn } from './support/browser';
import { createCaller, TestCaller, uniqueName } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

const LIVE = 20_000;

/** SPEC 7.11 in the web console: the Approvals page and the approval on an execution's detail. */
describe('web console: approvals (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let admin: TestCaller;
  let requester: TestCaller;
  let approver: TestCaller;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const group = uniqueName('approvers');
    await t.app.get(PrincipalsService).createGroup(group);
    admin = await createCaller(t.app, { isAdmin: true });
    approver = await createCaller(t.app, { name: uniqueName('vera'), groups: [group] });
    requester = await createCaller(t.app, { name: uniqueName('rob') });
    await t
      .http()
      .post('/api/v1/admin/grants')
      .set('Authorization', admin.auth)
      .send({ principal_id: requester.principal.id, permission: 'demo.run', approval: { group } })
      .expect(201);
    browser = await launchChromium();
    ({ page, errors } = await openConsolePage(browser, baseUrl));
    await signIn(page, approver.secret);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => expect(errors).toEqual([]));

  const awaiting = async (): Promise<string> => {
    const accepted = await t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', requester.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 40, b: 2 } })
      .expect(202);
    expect(accepted.body.status).toBe('awaiting_approval');
    return accepted.body.execution_id as string;
  };
  const row = (id: string) => `[data-testid="approval-row"][data-execution-id="${id}"]`;
  const openApprovals = async () => {
    await page.goto(`${baseUrl}/admin/#/tasks`);
    await page.getByTestId('nav-approvals').click();
    await page.getByTestId('approvals-table').waitFor();
  };

  it('approves from the Approvals page with a comment; the execution then runs and its detail lists the vote', async () => {
    const id = await awaiting();
    await openApprovals();
    await page.locator(`${row(id)} [data-testid="approval-comment"]`).fill('fine by me');
    await screenshot(page, 'console-approvals');
    await page.locator(`${row(id)} [data-testid="approve-button"]`).click();
    await page.locator(row(id)).waitFor({ state: 'detached', timeout: LIVE });

    const done = await waitForExecution(t, requester.auth, id);
    expect(done).toMatchObject({ status: 'completed', result: 42 });
    expect(done.approvals).toEqual([expect.objectContaining({ principal_id: approver.principal.id, comment: 'fine by me' })]);

    await page.goto(`${baseUrl}/admin/#/executions/${id}`);
    await page.waitForSelector('[data-testid="execution-detail"][data-status="completed"]', { timeout: LIVE });
    expect(await page.getByTestId('approval-required').innerText()).toContain('1 approval from');
    expect(await page.locator('[data-testid="approval-vote"][data-decision="approve"]').innerText()).toContain('fine by me');
  });

  it('shows an execution awaiting approval with its badge and deadline, and rejects it from its detail', async () => {
    const id = await awaiting();
    await page.goto(`${baseUrl}/admin/#/executions/${id}`);
    await page.waitForSelector('[data-testid="execution-detail"][data-status="awaiting_approval"]', { timeout: LIVE });
    expect(await page.getByTestId('detail-status').innerText()).toBe('awaiting_approval');
    expect(await page.getByTestId('approval-deadline').innerText()).toMatch(/^in 1 d/);
    // An approver may not cancel what it decides on.
    expect(await page.getByTestId('cancel-button').count()).toBe(0);
    await page.getByTestId('detail-approval-comment').fill('not now');
    await page.getByTestId('detail-reject-button').click();
    await page.waitForSelector('[data-testid="execution-detail"][data-status="cancelled"]', { timeout: LIVE });
    const record = await waitForExecution(t, requester.auth, id);
    expect(record.message).toBe(`rejected by ${approver.principal.name}: not now`);
  });
});
