import { DynamicModule, Inject, Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DemoNotifyTasks } from './demo-notify.tasks';
import { DemoTasks } from './demo.tasks';

@Module({})
export class DemoModule implements OnModuleInit {
  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  /**
   * `demo.notify` has a sensitive argument, stored encrypted with `SECRETS_KEY`: it is there when a
   * key is set, so a first start with no settings still works (with the other demo tasks).
   */
  static forRoot(config: AppConfig): DynamicModule {
    return { module: DemoModule, providers: [DemoTasks, ...(config.secretsKey ? [DemoNotifyTasks] : [])] };
  }

  /** Said through the application's logger (the CLI has none: its stdout carries secrets alone). */
  onModuleInit(): void {
    if (!this.config.secretsKey) new Logger(DemoModule.name).log('demo.notify is off: it needs SECRETS_KEY (openssl rand -base64 32)');
  }
}
