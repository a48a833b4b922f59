import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';

/** The process's metrics registry, for every feature that counts something. */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
