import { Module } from '@nestjs/common';
import { PrincipalsService } from './principals.service';
import { TokensService } from './tokens.service';

/** Principals, groups, grants and tokens, without HTTP: shared by the server and the CLI. */
@Module({ providers: [PrincipalsService, TokensService], exports: [PrincipalsService, TokensService] })
export class IdentityModule {}
