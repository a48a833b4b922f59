import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Caller } from '../permissions/caller';

/** The authenticated caller that the token guard put on the request. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  return context.switchToHttp().getRequest<{ user: Caller }>().user;
});
