import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource, TestCaller } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';
import { waitForExecution } from './support/wait-for';

describe('POST /tasks/{task_name}/upload (e2e)', () => {
  const storage = mkdtempSync(join(tmpdir(), 'taskgate-uploads-'));
  let t: TestApp;
  let filer: TestCaller;

  beforeAll(async () => {
    t = await createTestApp({ env: { STORAGE_DIR: storage, UPLOAD_LIMIT: '64kb', UPLOAD_QUOTA: '100kb', RATE_LIMIT_EXECUTE: '0' } });
    filer = await createCaller(t.app, { permissions: ['demo.files', 'demo.run'] });
  });

  afterAll(() => t.close());

  const upload = (caller: TestCaller, task: string, content: Buffer, fields: Record<string, string> = {}, fileName = 'data.bin') => {
    let call = t.http().post(`/api/v1/tasks/${task}/upload`).set('Authorization', caller.auth);
    for (const [name, value] of Object.entries(fields)) call = call.field(name, value);
    return call.attach('file', content, fileName);
  };
  const rowOf = (id: string) => dataSource(t.app).getRepository(Execution).findOneByOrFail({ id });
  const stored = () => readdirSync(storage);

  it('streams the file to storage; demo.checksum returns its sha256 and size', async () => {
    const content = randomBytes(40_000);
    const accepted = await upload(filer, 'demo.checksum', content, { resource: 'blob-1' }).expect(202);
    expect(accepted.body).toMatchObject({ status: 'pending', file_name: 'data.bin', file_size: 40_000 });
    const done = await waitForExecution(t, filer.auth, accepted.body.execution_id);
    expect(done).toMatchObject({
      status: 'completed',
      file_name: 'data.bin',
      file_size: 40_000,
      resource: 'blob-1',
      result: { sha256: createHash('sha256').update(content).digest('hex'), size: 40_000 },
    });
    expect(JSON.stringify(done)).not.toContain(storage); // the stored path stays internal
  });

  it('removes the stored file when its execution is deleted', async () => {
    const accepted = await upload(filer, 'demo.checksum', Buffer.from('delete me')).expect(202);
    await waitForExecution(t, filer.auth, accepted.body.execution_id);
    const row = await dataSource(t.app).getRepository(Execution).findOneByOrFail({ id: accepted.body.execution_id });
    expect(existsSync(row.filePath!)).toBe(true);
    await t.http().delete(`/api/v1/executions/${row.id}`).set('Authorization', filer.auth).expect(204);
    expect(existsSync(row.filePath!)).toBe(false);
  });

  it('answers 413 above UPLOAD_LIMIT and keeps nothing', async () => {
    const before = stored().length;
    const response = await upload(filer, 'demo.checksum', randomBytes(100 * 1024)).expect(413);
    expect(response.body).toMatchObject({ statusCode: 413, message: expect.stringMatching(/UPLOAD_LIMIT/) });
    expect(stored().length).toBe(before);
    expect(
      await dataSource(t.app)
        .getRepository(Execution)
        .countBy({ ownerId: filer.principal.id, taskName: 'demo.checksum', fileSize: 100 * 1024 }),
    ).toBe(0);
  });

  it('answers 415 for a task that takes no file, before storing anything', async () => {
    const before = stored().length;
    const response = await upload(filer, 'demo.add', Buffer.from('x')).expect(415);
    expect(response.body.message).toMatch(/does not take a file/);
    expect(stored().length).toBe(before);
  });

  it('answers 403 without the task permission and 404 for an unknown task', async () => {
    const runner = await createCaller(t.app, { permissions: ['demo.run'] });
    expect((await upload(runner, 'demo.checksum', Buffer.from('x')).expect(403)).body.message).toMatch(/missing: demo\.files/);
    await upload(filer, 'no.such_task', Buffer.from('x')).expect(404);
    await t.http().post('/api/v1/tasks/demo.checksum/upload').attach('file', Buffer.from('x'), 'a.txt').expect(401);
  });

  it('answers 400 for a missing file, bad fields or unknown fields, and keeps nothing', async () => {
    const before = stored().length;
    await t.http().post('/api/v1/tasks/demo.checksum/upload').set('Authorization', filer.auth).field('resource', 'x').expect(400);
    expect((await upload(filer, 'demo.checksum', Buffer.from('x'), { kwargs: '{not json' }).expect(400)).body.message).toContain(
      'kwargs must be JSON',
    );
    expect(JSON.stringify((await upload(filer, 'demo.checksum', Buffer.from('x'), { priority: 'high' }).expect(400)).body.message)).toMatch(
      /priority/,
    );
    expect(JSON.stringify((await upload(filer, 'demo.checksum', Buffer.from('x'), { owner_id: 'me' }).expect(400)).body.message)).toMatch(
      /owner_id/,
    );
    expect(stored().length).toBe(before);
  });

  it('shares the file with its retries: nothing copied, and the file stays until the last execution naming it goes', async () => {
    const content = randomBytes(1000);
    const accepted = await upload(filer, 'demo.checksum', content, { delay_ms: '60000' }).expect(202);
    await t.http().post(`/api/v1/executions/${accepted.body.execution_id}/cancel`).set('Authorization', filer.auth).expect(202);
    const before = stored().length;
    const retried = await t
      .http()
      .post(`/api/v1/executions/${accepted.body.execution_id}/retry`)
      .set('Authorization', filer.auth)
      .expect(202);
    expect(stored().length).toBe(before);
    const [original, retry] = [await rowOf(accepted.body.execution_id), await rowOf(retried.body.execution_id)];
    expect(retry.filePath).toBe(original.filePath);
    await t.http().delete(`/api/v1/executions/${original.id}`).set('Authorization', filer.auth).expect(204);
    expect(existsSync(original.filePath!)).toBe(true); // the retry still names it
    const done = await waitForExecution(t, filer.auth, retry.id);
    expect(done).toMatchObject({ status: 'completed', retried_from: original.id, file_name: 'data.bin', file_size: 1000 });
    expect(done.result).toEqual({ sha256: createHash('sha256').update(content).digest('hex'), size: 1000 });
    await t.http().delete(`/api/v1/executions/${retry.id}`).set('Authorization', filer.auth).expect(204);
    expect(existsSync(original.filePath!)).toBe(false);
  });

  it('keeps each principal within UPLOAD_QUOTA: 413 naming the quota, nothing stored; retries cost nothing', async () => {
    const saver = await createCaller(t.app, { permissions: ['demo.files'] });
    const first = await upload(saver, 'demo.checksum', randomBytes(60 * 1024), { delay_ms: '60000' }).expect(202);
    await t.http().post(`/api/v1/executions/${first.body.execution_id}/cancel`).set('Authorization', saver.auth).expect(202);
    const retried = await t.http().post(`/api/v1/executions/${first.body.execution_id}/retry`).set('Authorization', saver.auth).expect(202);
    await waitForExecution(t, saver.auth, retried.body.execution_id);
    // 60 KiB stored once for two executions: 30 more fit under 100, where a copy would not have.
    await upload(saver, 'demo.checksum', randomBytes(30 * 1024)).expect(202);
    const before = stored().length;
    const refused = await upload(saver, 'demo.checksum', randomBytes(50 * 1024)).expect(413);
    expect(refused.body.message).toMatch(/quota of 102400 bytes \(UPLOAD_QUOTA\)/);
    expect(stored().length).toBe(before);
    expect(await dataSource(t.app).getRepository(Execution).countBy({ ownerId: saver.principal.id })).toBe(3);
    // Another principal's quota is its own.
    await upload(filer, 'demo.checksum', randomBytes(50 * 1024)).expect(202);
    // Freeing room (both executions that share the file) lets the next upload in.
    for (const id of [first.body.execution_id, retried.body.execution_id]) {
      await t.http().delete(`/api/v1/executions/${id}`).set('Authorization', saver.auth).expect(204);
    }
    await upload(saver, 'demo.checksum', randomBytes(50 * 1024)).expect(202);
  });

  it('refuses a principal whose uploads already fill its quota before reading a byte of the next', async () => {
    const full = await createCaller(t.app, { permissions: ['demo.files'] });
    for (let i = 0; i < 2; i++) await upload(full, 'demo.checksum', randomBytes(50 * 1024)).expect(202); // exactly 100 KiB
    const before = stored().length;
    const refused = await upload(full, 'demo.checksum', Buffer.from('x')).expect(413);
    expect(refused.body.message).toMatch(/already take 102400 bytes, the quota of 102400 bytes \(UPLOAD_QUOTA\)/);
    expect(stored().length).toBe(before);
  });

  it('stores a file name longer than the column cut to fit, keeping its extension, without failing anyone else', async () => {
    const long = `${'n'.repeat(300)}.pdf`;
    const others = Array.from({ length: 5 }, (_, i) =>
      t
        .http()
        .post('/api/v1/tasks/execute')
        .set('Authorization', filer.auth)
        .send({ task_name: 'demo.add', kwargs: { a: i, b: 1 } }),
    );
    const [accepted, ...answers] = await Promise.all([upload(filer, 'demo.checksum', Buffer.from('named'), {}, long), ...others]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202]);
    expect(accepted.status).toBe(202);
    expect([...accepted.body.file_name]).toHaveLength(255);
    expect(accepted.body.file_name).toMatch(/^n+….pdf$/);
    expect((await rowOf(accepted.body.execution_id)).fileName).toBe(accepted.body.file_name);
  });
});
