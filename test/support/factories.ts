import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiToken } from '../../src/auth/api-token.entity';
import { Principal } from '../../src/auth/principal.entity';
import { PrincipalsService } from '../../src/auth/principals.service';
import { TokensService } from '../../src/auth/tokens.service';

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
