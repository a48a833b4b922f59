import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-custom';
import { Caller } from '../permissions/caller';
import { parseAuthorizationHeader } from './authorization-header';
import { AuthFailureLimiter } from '../rate-limits/auth-failure-limiter';
import { Authenticator } from './authenticator';

export const TOKEN_STRATEGY = 'api-token';

/** Passport strategy for `Bearer` and `Token` API tokens. Failures past the address's limit are 429. */
@Injectable()
export class TokenStrategy extends PassportStrategy(Strategy, TOKEN_STRATEGY) {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly failures: AuthFailureLimiter,
  ) {
    super();
  }

  async validate(request: Request & { allowsQueryToken?: boolean }): Promise<Caller> {
    const queryToken = request.allowsQueryToken && !request.headers.authorization ? request.query.token : undefined;
    const header = typeof queryToken === 'string' ? { secret: queryToken } : parseAuthorizationHeader(request.headers.authorization);
    const result = 'failure' in header ? header : await this.authenticator.authenticate(header.secret);
    if ('failure' in result) {
      await this.failures.recordFailure(request.ip);
      throw new UnauthorizedException(result.failure);
    }
    return { ...result.caller, address: request.ip };
  }
}
