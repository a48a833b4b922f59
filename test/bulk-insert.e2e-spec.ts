import { randomUUID } from 'node:crypto';
import { In, Repository } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { bulkInsert } from '../src/database/bulk-insert';
import { Execution } from '../src/executions/execution.entity';
import { createCaller, dataSource } from './support/factories';
import { createTestApp, TestApp } from './support/test-app';

/** The hot INSERT without the query builder: what is read back is what TypeORM would have stored. */
describe('bulkInsert (e2e)', () => {
  let t: TestApp;
  let executions: Repository<Execution>;
  let ownerId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { ROLE: 'api', RECONCILE_INTERVAL_MS: '0' } });
    executions = dataSource(t.app).getRepository(Execution);
    ownerId = (await createCaller(t.app)).principal.id;
  });

  afterAll(() => t.close());

  const execution = (fields: Partial<Execution> = {}) => {
    const id = randomUUID();
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    return executions.create({
      ...{ id, taskName: 'demo.add', status: 'pending', args: [], kwargs: {}, result: null, progress: 0, resource: null, ownerId },
      ...{ jobId: id, attempts: 0, maxAttempts: 1, priority: 50, queue: 'default', timeoutMs: null, retriedFrom: null },
      ...{ fileName: null, fileSize: null, filePath: null, createdAt: now, updatedAt: now },
      ...fields,
    });
  };

  /**
   * Whether a write was refused. Not `rejects.toThrow()`: better-sqlite3 keeps the error class of the
   * first test file that loaded it, from that file's realm, which a later file's Jest does not see as an Error.
   */
  const outcome = (write: Promise<void>) =>
    write.then(
      () => 'written',
      () => 'refused',
    );

  /** The fields an entity was given (create() leaves the others undefined; the database has them null). */
  const defined = (entity: Execution) => Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined));

  it('stores every kind of value as the repository would, each row with its own columns', async () => {
    const full = execution({
      args: [1, 'two', { three: [3] }],
      kwargs: { text: 'ünïcode \u2028 "quoted"', n: 1.5, nested: { ok: true, none: null } },
      resource: 'invoice 7',
      timeoutMs: 1500,
      fileName: 'a.csv',
      fileSize: 12,
      filePath: '/tmp/a.csv',
      retriedFrom: randomUUID(),
    });
    const bare = execution();
    await bulkInsert({ repository: executions, entities: [full, bare] });
    const stored = await executions.findBy({ id: In([full.id, bare.id]) });
    const byId = new Map(stored.map((row) => [row.id, row]));
    expect(byId.get(full.id)).toMatchObject({ ...defined(full), stage: null, message: null, cancelRequestedAt: null, startedAt: null });
    expect(byId.get(bare.id)).toMatchObject({ ...defined(bare), error: null, totalItems: null, completedAt: null });
  });

  it('writes all rows or none: a batch with an id already taken leaves nothing behind', async () => {
    const taken = execution();
    await bulkInsert({ repository: executions, entities: [taken] });
    const fresh = execution();
    expect(await outcome(bulkInsert({ repository: executions, entities: [fresh, execution({ id: taken.id, jobId: taken.id })] }))).toBe(
      'refused',
    );
    expect(await executions.findOneBy({ id: fresh.id })).toBeNull();
  });

  it('writes several tables in one go, all or nothing', async () => {
    const audit = dataSource(t.app).getRepository(AuditEvent);
    const taken = execution();
    await bulkInsert({ repository: executions, entities: [taken] });
    const auditRow = (targetId: string): AuditEvent => ({
      ...{ id: randomUUID(), occurredAt: new Date(), actorId: null, actorName: 'cli', tokenId: null, clientAddress: null },
      ...{ action: 'execution.execute', targetType: 'execution', targetId, details: null },
    });
    const together = execution();
    await bulkInsert({ repository: executions, entities: [together] }, { repository: audit, entities: [auditRow(together.id)] });
    expect(await executions.findOneBy({ id: together.id })).not.toBeNull();
    expect(await audit.findOneBy({ targetId: together.id })).not.toBeNull();

    const refused = auditRow(taken.id);
    const write = bulkInsert(
      { repository: executions, entities: [execution({ id: taken.id, jobId: taken.id })] },
      { repository: audit, entities: [refused] },
    );
    expect(await outcome(write)).toBe('refused');
    expect(await audit.findOneBy({ id: refused.id })).toBeNull();
  });

  it('writes more rows than one PostgreSQL statement takes (65 535 parameters) in one transaction, all or nothing', async () => {
    const audit = dataSource(t.app).getRepository(AuditEvent);
    const resource = `many-${randomUUID()}`;
    const many = Array.from({ length: 4000 }, () => execution({ resource, timeoutMs: 1000 }));
    const rows = many.map((entity): AuditEvent => ({
      ...{ id: randomUUID(), occurredAt: new Date(), actorId: null, actorName: 'cli', tokenId: null, clientAddress: null },
      ...{ action: 'execution.execute', targetType: 'execution', targetId: entity.id, details: null },
    }));
    // The duplicate comes last, so on PostgreSQL it fails a later statement than the first.
    const refused = [...many.slice(0, 3999), execution({ id: many[0].id, jobId: many[0].id })];
    expect(await outcome(bulkInsert({ repository: executions, entities: refused }, { repository: audit, entities: rows }))).toBe('refused');
    expect(await executions.countBy({ resource })).toBe(0);
    expect(await audit.countBy({ id: In(rows.slice(0, 500).map((row) => row.id)) })).toBe(0);

    await bulkInsert({ repository: executions, entities: many }, { repository: audit, entities: rows });
    expect(await executions.countBy({ resource })).toBe(4000);
    expect(await audit.countBy({ targetId: In(many.slice(0, 500).map((entity) => entity.id)) })).toBe(500);
  });

  it('stores audit rows with JSON details and null actors', async () => {
    const audit = dataSource(t.app).getRepository(AuditEvent);
    const row: AuditEvent = {
      ...{ id: randomUUID(), occurredAt: new Date(), actorId: null, actorName: 'cli', tokenId: null, clientAddress: null },
      ...{ action: 'execution.execute', targetType: 'execution', targetId: 'x', details: { task_name: 'demo.add', n: [1, 2] } },
    };
    await bulkInsert({ repository: audit, entities: [row] });
    expect(await audit.findOneByOrFail({ id: row.id })).toEqual(row);
  });
});
