import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from './public.decorator';
import { ALLOWS_QUERY_TOKEN } from './query-token.decorator';
import { TOKEN_STRATEGY } from './token.strategy';

/** The global guard: every route needs a valid token unless it is marked `@Public()`. */
@Injectable()
export class TokenAuthGuard extends AuthGuard(TOKEN_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(ALLOWS_QUERY_TOKEN, targets)) {
      context.switchToHttp().getRequest<{ allowsQueryToken?: boolean }>().allowsQueryToken = true;
    }
    return super.canActivate(context);
  }
}
