import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { InvalidInputError, NotFoundError } from '../common/domain-errors';
import { parseQuota, Quota } from '../quotas/quota';
import { ApiToken } from './api-token.entity';
import { checkPermissions, PrincipalsService } from './principals.service';
import { displayPrefix, generateTokenSecret, hashTokenSecret } from './token-secret';

export interface TokenCreation {
  name?: string;
  expiresAt?: Date | null;
  scopes?: string[] | null;
  /** SPEC 7.13, as written by an admin: checked here (400 listing the problems); `{}` is none. */
  quota?: unknown;
}

export interface CreatedToken {
  token: ApiToken;
  /** Shown once; only its hash is kept. */
  secret: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly principals: PrincipalsService,
  ) {}

  async createForPrincipalName(principalName: string, input: TokenCreation = {}): Promise<CreatedToken> {
    const principal = await this.principals.findPrincipal(principalName);
    return this.create(principal.id, input);
  }

  async create(principalId: string, input: TokenCreation = {}): Promise<CreatedToken> {
    const scopes = input.scopes ?? null;
    if (scopes) checkPermissions(scopes);
    if (input.expiresAt) checkExpiry(input.expiresAt);
    const quota = checkQuota(input.quota);
    const secret = generateTokenSecret();
    const token = this.dataSource.manager.create(ApiToken, {
      id: randomUUID(),
      principalId,
      name: input.name ?? 'default',
      tokenHash: hashTokenSecret(secret),
      prefix: displayPrefix(secret),
      scopes,
      expiresAt: input.expiresAt ?? null,
      quota,
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.dataSource.manager.insert(ApiToken, token);
    return { token, secret };
  }

  /** Revoking twice keeps the first revocation time. */
  async revoke(tokenId: string): Promise<ApiToken> {
    const token = UUID.test(tokenId) ? await this.dataSource.manager.findOneBy(ApiToken, { id: tokenId }) : null;
    if (!token) throw new NotFoundError(`token ${tokenId} not found`);
    if (!token.revokedAt) {
      token.revokedAt = new Date();
      await this.dataSource.manager.update(ApiToken, { id: token.id }, { revokedAt: token.revokedAt });
    }
    return token;
  }
}

/** The longest a token may live: long enough for any service credential, short of dates no database stores. */
export const MAX_TOKEN_LIFETIME_MS = 10 * 366 * 86_400_000;

function checkExpiry(expiresAt: Date): void {
  const time = expiresAt.getTime();
  if (Number.isNaN(time)) throw new InvalidInputError(['expiry is not a valid date']);
  if (time <= Date.now()) throw new InvalidInputError(['expiry must be in the future']);
  if (time > Date.now() + MAX_TOKEN_LIFETIME_MS) throw new InvalidInputError(['expiry must be at most 10 years away']);
}

function checkQuota(input: unknown): Quota | null {
  if (input === undefined || input === null) return null;
  const parsed = parseQuota(input);
  if ('problems' in parsed) throw new InvalidInputError(parsed.problems);
  return parsed.quota;
}
