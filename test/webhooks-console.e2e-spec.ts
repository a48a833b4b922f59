import { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openConsolePage, signIn } from './support/browser';
import { createCaller, TestCaller, uniqueName } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { pollUntil } from './support/wait-for';
import { WebhookReceiver } from './support/webhook-receiver';

/** The console shows an execution's callback and its delivery log (SPEC 7: every new route usable from the console). */
describe('webhook deliveries in the console (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let baseUrl: string;
  let user: TestCaller;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await createTestApp({
      env: { WEBHOOK_SECRET: 'whsec-console-0123456789', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' },
    });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    user = await createCaller(t.app, { permissions: ['demo.run'], name: uniqueName('wes') });
    browser = await launchChromium();
    ({ page, errors } = await openConsolePage(browser, baseUrl));
    await signIn(page, user.secret);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver.stop();
  });

  it('lists each attempt with the receiver’s answer', async () => {
    receiver.answerWith(503);
    const url = receiver.url('/console');
    const id = (
      await t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', user.auth)
        .send({ task_name: 'demo.add', kwargs: { a: 1, b: 1 }, callback_url: url })
        .expect(202)
    ).body.execution_id as string;
    await pollUntil(
      async () => (await t.http().get(`/api/v1/executions/${id}/deliveries`).set('Authorization', user.auth)).body as unknown[],
      (rows) => rows.length === 2,
      { timeoutMs: 15_000, intervalMs: 25 },
    );
    await page.goto(`${baseUrl}/admin/#/executions/${id}`);
    const section = page.getByTestId('webhook-deliveries');
    await section.getByTestId('delivery-row').nth(1).waitFor();
    expect(await section.innerText()).toContain(url);
    const rows = await section.getByTestId('delivery-row').allInnerTexts();
    expect(rows[0]).toMatch(/^1\s+503\s+the receiver answered 503/);
    expect(rows[1]).toMatch(/^2\s+200\s+—/);
    expect(errors).toEqual([]);
  });
});
