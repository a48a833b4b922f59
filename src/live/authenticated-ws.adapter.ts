import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { Express } from 'express';
import type { IncomingMessage } from 'node:http';
import { parseAuthorizationHeader } from '../auth/authorization-header';
import { Authenticator } from '../auth/authenticator';
import { clientAddress, ProxyTrust } from '../http-security/client-address';
import { AuthFailureLimiter } from '../rate-limits/auth-failure-limiter';
import { TooManyRequests } from '../rate-limits/too-many-requests';
import type { Caller } from '../permissions/caller';
import type { SocketDialect } from './socket-dialect';
import { parseWsMessage } from './ws-messages';

/** The upgrade request: the caller once authenticated, and the dialect a seed API's socket path chose. */
export type AuthenticatedRequest = IncomingMessage & { caller?: Caller; dialect?: SocketDialect };

type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

/** Browsers cannot set headers on a WebSocket; they offer `['taskgate', 'token.<secret>']` instead. */
export const WS_PROTOCOL = 'taskgate';
const TOKEN_PROTOCOL_PREFIX = 'token.';
/** Clients only send small subscribe messages; `ws` would otherwise buffer up to 100 MiB of one. */
export const WS_MAX_MESSAGE_BYTES = 16 * 1024;

/**
 * `ws` with authentication at the upgrade: a request without a valid token (`Authorization`
 * header, the `token.<secret>` subprotocol, or `?token=`) is refused with 401 before any socket
 * exists. The caller rides on the request into the gateway.
 */
export class AuthenticatedWsAdapter extends WsAdapter {
  constructor(private readonly app: INestApplicationContext) {
    super(app, { messageParser: parseWsMessage });
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): unknown {
    const authenticator = this.app.get(Authenticator);
    const failures = this.app.get(AuthFailureLimiter);
    // The same `trust proxy` setting Express applies to req.ip (configureApp sets it before this runs).
    const trust = ((this.app as INestApplication).getHttpAdapter().getInstance() as Express).get('trust proxy fn') as ProxyTrust;
    const verify = async (request: AuthenticatedRequest): Promise<[boolean, number?, string?, Record<string, string>?]> => {
      const address = clientAddress(request, trust);
      const secret = tokenOf(request);
      const result = secret ? await authenticator.authenticate(secret) : { failure: 'missing token' };
      if ('failure' in result) {
        try {
          await failures.recordFailure(address);
        } catch (error) {
          if (error instanceof TooManyRequests)
            return [false, 429, 'Too Many Requests', { 'Retry-After': String(error.retryAfterSeconds) }];
          throw error;
        }
        return [false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' }];
      }
      request.caller = { ...result.caller, address };
      return [true];
    };
    return super.create(port, {
      ...options,
      maxPayload: WS_MAX_MESSAGE_BYTES,
      // Answering with the secret would echo it back; the plain protocol name is the one chosen.
      handleProtocols: (offered: Set<string>) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
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
  const offered = String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((item) => item.trim());
  const fromProtocol = offered.find((item) => item.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (fromProtocol) return fromProtocol.slice(TOKEN_PROTOCOL_PREFIX.length);
  return new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
}
