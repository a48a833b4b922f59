import { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import { parseAuthorizationHeader } from '../auth/authorization-header';
import { Authenticator } from '../auth/authenticator';
import { AuthFailureLimiter } from '../rate-limits/auth-failure-limiter';
import { TooManyRequests } from '../rate-limits/too-many-requests';
import type { Caller } from '../permissions/caller';
import { parseWsMessage } from './ws-messages';

export type AuthenticatedRequest = IncomingMessage & { caller?: Caller };

type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

/**
 * `ws` with authentication at the upgrade: a request without a valid token (`Authorization`
 * header, or `?token=` for browsers, which cannot set headers on a WebSocket) is refused with 401
 * before any socket exists. The caller rides on the request into the gateway.
 */
export class AuthenticatedWsAdapter extends WsAdapter {
  constructor(private readonly app: INestApplicationContext) {
    super(app, { messageParser: parseWsMessage });
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}) {
    const authenticator = this.app.get(Authenticator);
    const failures = this.app.get(AuthFailureLimiter);
    const verify = async (request: AuthenticatedRequest): Promise<[boolean, number?, string?, Record<string, string>?]> => {
      const address = request.socket.remoteAddress;
      try {
        await failures.assertAllowed(address);
      } catch (error) {
        if (error instanceof TooManyRequests) return [false, 429, 'Too Many Requests', { 'Retry-After': String(error.retryAfterSeconds) }];
        throw error;
      }
      const secret = tokenOf(request);
      const result = secret ? await authenticator.authenticate(secret) : { failure: 'missing token' };
      if ('failure' in result) {
        await failures.recordFailure(address);
        return [false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' }];
      }
      request.caller = result.caller;
      return [true];
    };
    return super.create(port, {
      ...options,
      verifyClient: (info: { req: AuthenticatedRequest }, done: VerifyCallback) => {
        verify(info.req).then(
          (answer) => done(...answer),
          () => done(false, 503, 'Service Unavailable'),
        );
      },
    });
  }
}

function tokenOf(request: IncomingMessage): string | null {
  if (request.headers.authorization) {
    const parsed = parseAuthorizationHeader(request.headers.authorization);
    return 'secret' in parsed ? parsed.secret : null;
  }
  return new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
}
