import { loadAppConfig } from './load-app-config';

describe(loadAppConfig.name, () => {
  it('has the documented defaults', () => {
    const sut = loadAppConfig({});
    expect(sut).toMatchObject({
      port: 3000,
      databaseUrl: 'sqlite:./data/gateway.sqlite',
      redisUrl: 'redis://127.0.0.1:6379',
      role: 'all',
      queues: [],
      demoTasks: true,
      logLevel: 'info',
      bodyLimitBytes: 1024 * 1024,
      uploadLimitBytes: 25 * 1024 * 1024,
      storageDir: './data/uploads',
      stalledIntervalMs: 30_000,
      shutdownGraceMs: 30_000,
      bootstrapAdmin: true,
    });
    expect(sut.runsApi && sut.runsWorker).toBe(true);
    expect(sut.isPostgres).toBe(false);
  });

  it('reads SECRETS_KEY and SECRETS_KEY_PREVIOUS as 32-byte base64 keys, refusing anything else without echoing it', () => {
    const key = Buffer.alloc(32, 1);
    const old = Buffer.alloc(32, 2);
    expect(loadAppConfig({})).toMatchObject({ secretsKey: null, previousSecretsKeys: [] });
    expect(loadAppConfig({ SECRETS_KEY: key.toString('base64'), SECRETS_KEY_PREVIOUS: ` ${old.toString('base64')} ,` })).toMatchObject({
      secretsKey: key,
      previousSecretsKeys: [old],
    });
    expect(() => loadAppConfig({ SECRETS_KEY: 'c2hvcnQ=' })).toThrow(/^SECRETS_KEY must be 32 random bytes in base64.*got 5 bytes$/);
    expect(() => loadAppConfig({ SECRETS_KEY: 'not base64 at all!' })).toThrow(/^SECRETS_KEY must be 32/);
    expect(() => loadAppConfig({ SECRETS_KEY: key.toString('base64'), SECRETS_KEY_PREVIOUS: 'abc' })).toThrow(
      /^SECRETS_KEY_PREVIOUS must be 32/,
    );
  });

  it('reads the reliability settings and the proxy trust, refusing what Express could not use', () => {
    expect(loadAppConfig({})).toMatchObject({
      reconcileIntervalMs: 15_000,
      reconcileGraceMs: 60_000,
      outcomeWriteRetryMs: 120_000,
      fault: '',
      trustProxy: false,
    });
    expect(loadAppConfig({ RECONCILE_INTERVAL_MS: '0', TASKGATE_FAULT: 'exit-before-enqueue' })).toMatchObject({
      reconcileIntervalMs: 0,
      fault: 'exit-before-enqueue',
    });
    expect(() => loadAppConfig({ TASKGATE_FAULT: 'crash-always' })).toThrow(/TASKGATE_FAULT/);
    expect(loadAppConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadAppConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
    expect(() => loadAppConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });

  it('reads the webhook settings, never echoing the secret', () => {
    expect(loadAppConfig({})).toMatchObject({ webhookSecret: '', webhookAllowPrivate: false, webhookAttempts: 8, webhookBackoffMs: 2000 });
    expect(
      loadAppConfig({
        WEBHOOK_SECRET: 'a-long-enough-secret',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_ATTEMPTS: '3',
        WEBHOOK_BACKOFF_MS: '50',
      }),
    ).toMatchObject({ webhookSecret: 'a-long-enough-secret', webhookAllowPrivate: true, webhookAttempts: 3, webhookBackoffMs: 50 });
    expect(() => loadAppConfig({ WEBHOOK_SECRET: 'short-secret' })).toThrow(
      /^WEBHOOK_SECRET must be at least 16 characters long \(got 12\)$/,
    );
  });

  it('reads which seed APIs to serve: all by default, none, or a list of families', () => {
    expect(loadAppConfig({})).toMatchObject({ compat: ['api-tasks', 'api-v1-tasks'], compatUploadTask: 'demo.checksum' });
    expect(loadAppConfig({ COMPAT: 'none' }).compat).toEqual([]);
    expect(loadAppConfig({ COMPAT: 'api-v1-tasks, api-v1-tasks' }).compat).toEqual(['api-v1-tasks']);
    expect(loadAppConfig({ COMPAT_UPLOAD_TASK: 'files.ingest' }).compatUploadTask).toBe('files.ingest');
    expect(() => loadAppConfig({ COMPAT: 'celery' })).toThrow(
      /^COMPAT must be all, none or a comma list of api-tasks, api-v1-tasks, got "celery"$/,
    );
  });

  it('reads the retention settings: 30d, every minute, audit 365d by default; 0 keeps forever or never sweeps', () => {
    const day = 86_400_000;
    expect(loadAppConfig({})).toMatchObject({ retentionMs: 30 * day, retentionSweepMs: 60_000, auditRetentionMs: 365 * day });
    expect(loadAppConfig({ RETENTION: '12h', RETENTION_SWEEP_MS: '0', AUDIT_RETENTION: '0' })).toMatchObject({
      retentionMs: 12 * 3_600_000,
      retentionSweepMs: 0,
      auditRetentionMs: 0,
    });
    expect(loadAppConfig({ RETENTION: '0' }).retentionMs).toBe(0);
    expect(() => loadAppConfig({ RETENTION: '30' })).toThrow(/^RETENTION must be 0 \(keep forever\) or a duration such as 30d.*got "30"$/);
    expect(() => loadAppConfig({ AUDIT_RETENTION: '1y' })).toThrow(/^AUDIT_RETENTION must be/);
    expect(() => loadAppConfig({ RETENTION_SWEEP_MS: '-1' })).toThrow(/RETENTION_SWEEP_MS/);
  });

  it('sweeps expired approvals every 30 s unless APPROVAL_SWEEP_MS says otherwise (0: never)', () => {
    expect(loadAppConfig({}).approvalSweepMs).toBe(30_000);
    expect(loadAppConfig({ APPROVAL_SWEEP_MS: '0' }).approvalSweepMs).toBe(0);
    expect(() => loadAppConfig({ APPROVAL_SWEEP_MS: 'soon' })).toThrow(/APPROVAL_SWEEP_MS/);
  });

  it('reads every variable', () => {
    const sut = loadAppConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/gw',
      REDIS_URL: 'redis://r:6380/2',
      ROLE: 'worker',
      QUEUES: 'default, reports',
      DEMO_TASKS: 'false',
      LOG_LEVEL: 'debug',
      BODY_LIMIT: '2mb',
      UPLOAD_LIMIT: '100MiB',
      BOOTSTRAP_ADMIN: 'no',
    });
    expect(sut).toMatchObject({
      port: 8080,
      isPostgres: true,
      redisUrl: 'redis://r:6380/2',
      role: 'worker',
      queues: ['default', 'reports'],
      demoTasks: false,
      logLevel: 'debug',
      bodyLimitBytes: 2 * 1024 * 1024,
      uploadLimitBytes: 100 * 1024 * 1024,
      bootstrapAdmin: false,
    });
    expect(sut.runsApi).toBe(false);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '3.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'sqlite:'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_URL', 'redis://h:1/abc'],
    ['ROLE', 'both'],
    ['QUEUES', 'Bad Queue'],
    ['DEMO_TASKS', 'perhaps'],
    ['LOG_LEVEL', 'verbose'],
    ['BODY_LIMIT', '1 lightyear'],
    ['UPLOAD_LIMIT', '0'],
    ['BOOTSTRAP_ADMIN', 'sure'],
    ['STALLED_INTERVAL_MS', '5'],
    ['QUEUE_PREFIX', 'a b'],
    ['WEBHOOK_ALLOW_PRIVATE', 'maybe'],
    ['WEBHOOK_ATTEMPTS', '0'],
    ['WEBHOOK_BACKOFF_MS', '-5'],
  ])('rejects %s=%p with a message that names it', (variable, value) => {
    expect(() => loadAppConfig({ [variable]: value })).toThrow(new RegExp(`^${variable} `));
  });
});
