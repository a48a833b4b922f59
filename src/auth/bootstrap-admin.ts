import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConflictError } from '../common/domain-errors';
import { PrincipalsService } from './principals.service';
import { TokensService } from './tokens.service';

export const BOOTSTRAP_ADMIN_NAME = 'admin';

/**
 * On the first start against an empty database, creates principal `admin` and prints its token
 * once on stdout: the one secret the gateway ever prints. API processes only, so a fleet of
 * workers starting first does not print it where nobody looks.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    private readonly config: AppConfig,
    private readonly principals: PrincipalsService,
    private readonly tokens: TokensService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.bootstrapAdmin) return;
    if (await this.principals.hasAnyPrincipal()) return;
    try {
      await this.principals.createPrincipal({ name: BOOTSTRAP_ADMIN_NAME, kind: 'user', isAdmin: true });
    } catch (error) {
      if (error instanceof ConflictError) return; // another API process won the race
      throw error;
    }
    const { secret } = await this.tokens.createForPrincipalName(BOOTSTRAP_ADMIN_NAME, { name: 'bootstrap' });
    this.logger.log('created the first admin principal "admin"; its token follows on stdout, shown once');
    process.stdout.write(
      `\n  First start: admin token (shown once, keep it safe):\n\n  ${secret}\n\n` +
        `  Try: curl -H "Authorization: Bearer ${secret}" http://localhost:${this.config.port}/api/v1/me\n\n`,
    );
  }
}
