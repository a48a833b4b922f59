import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { Authenticator } from './authenticator';
import { BootstrapAdmin } from './bootstrap-admin';
import { LastUsedTracker } from './last-used.tracker';
import { MeController } from './me.controller';
import { PrincipalsService } from './principals.service';
import { TokenAuthGuard } from './token-auth.guard';
import { TokenStrategy } from './token.strategy';
import { TokensService } from './tokens.service';

@Module({
  imports: [PassportModule],
  controllers: [MeController],
  providers: [Authenticator, LastUsedTracker, TokenStrategy, TokenAuthGuard, PrincipalsService, TokensService, BootstrapAdmin],
  exports: [Authenticator, TokenAuthGuard, PrincipalsService, TokensService],
})
export class AuthModule {}
