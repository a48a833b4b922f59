import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { loadAppConfig } from './load-app-config';

@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => loadAppConfig() }],
  exports: [AppConfig],
})
export class ConfigModule {}
