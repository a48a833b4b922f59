import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { uniqueName } from '../../support/factories';
import { PrincipalsService } from '../../../src/auth/principals.service';
import { TokensService } from '../../../src/auth/tokens.service';
import { IdentityModule } from '../../../src/auth/identity.module';
import { AppConfig } from '../../../src/config/app-config';
import { ConfigModule } from '../../../src/config/config.module';
import { DatabaseModule } from '../../../src/database/database.module';
import { TaskRegistryModule } from '../../../src/task-registry/task-registry.module';
import { ensureSideEffectTable } from './side-effects';

export interface Caller {
  principalId: string;
  /** `Authorization` header value. */
  auth: string;
}

/**
 * The spec's own handle on the run's database: it migrates before any gateway process starts (so
 * they never race to create the schema), creates callers, and reads records and side effects.
 */
export class Control {
  private constructor(private readonly context: INestApplicationContext) {}

  static async open(config: AppConfig): Promise<Control> {
    // The task registry: granting checks conditions against the tasks' kwargs.
    @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot({ migrate: true }), TaskRegistryModule, IdentityModule] })
    class ControlModule {}
    const context = await NestFactory.createApplicationContext(ControlModule, { logger: false });
    const control = new Control(context);
    await ensureSideEffectTable(control.db);
    return control;
  }

  get db(): DataSource {
    return this.context.get(DataSource);
  }

  async createCaller(permissions: string[]): Promise<Caller> {
    const principal = await this.context.get(PrincipalsService).createPrincipal({ name: uniqueName('rel'), permissions });
    const { secret } = await this.context.get(TokensService).create(principal.id, { name: 'reliability' });
    return { principalId: principal.id, auth: `Bearer ${secret}` };
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
