import { Module } from '@nestjs/common';
import { CallerCache } from './caller-cache';
import { IdentityChanges } from './identity-changes';
import { IdentityWriteSubscriber } from './identity-write.subscriber';
import { PrincipalsService } from './principals.service';
import { TokensService } from './tokens.service';

/**
 * Principals, groups, grants and tokens, without HTTP: shared by the server and the CLI. Every
 * write of them is announced to all processes (IdentityWriteSubscriber), so cached callers go.
 */
@Module({
  providers: [PrincipalsService, TokensService, CallerCache, IdentityChanges, IdentityWriteSubscriber],
  exports: [PrincipalsService, TokensService, CallerCache, IdentityChanges],
})
export class IdentityModule {}
