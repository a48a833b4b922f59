import { INestApplication } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiToken } from '../../src/auth/api-token.entity';
import { Principal } from '../../src/auth/principal.entity';
import { PrincipalsService } from '../../src/auth/principals.service';
import { TokensService } from '../../src/auth/tokens.service';
import { Execution } from '../../src/executions/execution.entity';

export interface TestCaller {
  principal: Principal;
  token: ApiToken;
  secret: string;
  /** `Authorization` header value. */
  auth: string;
}

export interface CallerSpec {
  name?: string;
  permissions?: string[];
  groups?: string[];
  isAdmin?: boolean;
  kind?: 'user' | 'service';
  scopes?: string[];
  expiresAt?: Date;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A principal with one token, created through the same services the CLI uses. */
export async function createCaller(app: INestApplication, spec: CallerSpec = {}): Promise<TestCaller> {
  const principals = app.get(PrincipalsService);
  const principal = await principals.createPrincipal({
    name: spec.name ?? uniqueName('user'),
    kind: spec.kind ?? 'user',
    isAdmin: spec.isAdmin ?? false,
    permissions: spec.permissions ?? [],
    groups: spec.groups ?? [],
  });
  const { token, secret } = await app
    .get(TokensService)
    .create(principal.id, { name: 'test', scopes: spec.scopes ?? null, expiresAt: spec.expiresAt });
  return { principal, token, secret, auth: `Bearer ${secret}` };
}

export async function addToken(app: INestApplication, caller: TestCaller, scopes?: string[]): Promise<TestCaller> {
  const { token, secret } = await app.get(TokensService).create(caller.principal.id, { name: 'extra', scopes: scopes ?? null });
  return { ...caller, token, secret, auth: `Bearer ${secret}` };
}

export function dataSource(app: INestApplication): DataSource {
  return app.get(DataSource);
}

/**
 * An execution record written straight into the table (no queue, no worker), so reads can be
 * checked against known data: a finished `demo.add` created now, unless `fields` say otherwise.
 */
export async function insertExecution(app: INestApplication, ownerId: string, fields: Partial<Execution> = {}): Promise<Execution> {
  const id = randomUUID();
  const createdAt = fields.createdAt ?? new Date();
  const row = Object.assign(new Execution(), {
    id,
    taskName: 'demo.add',
    status: 'completed',
    args: [],
    kwargs: {},
    progress: 0,
    ownerId,
    jobId: id,
    attempts: 1,
    maxAttempts: 1,
    priority: 50,
    queue: 'default',
    createdAt,
    updatedAt: createdAt,
    ...fields,
  });
  await dataSource(app).getRepository(Execution).insert(row);
  return row;
}
