import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { Authenticator } from './authenticator';
import { BootstrapAdmin } from './bootstrap-admin';
import { LastUsedTracker } from './last-used-tracker';
import { MeController } from './me.controller';
import { IdentityModule } from './identity.module';
import { TokenAuthGuard } from './token-auth.guard';
import { TokenStrategy } from './token.strategy';
import { QuotasModule } from '../quotas/quotas.module';

@Module({
  imports: [PassportModule, IdentityModule, QuotasModule],
  controllers: [MeController],
  providers: [
    Authenticator,
    LastUsedTracker,
    TokenStrategy,
    TokenAuthGuard,
    { provide: APP_GUARD, useExisting: TokenAuthGuard },
    BootstrapAdmin,
  ],
  exports: [Authenticator, TokenAuthGuard, IdentityModule],
})
export class AuthModule {}
