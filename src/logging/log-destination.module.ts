import { Module } from '@nestjs/common';
import { LogDestination } from './log-destination';

@Module({ providers: [LogDestination], exports: [LogDestination] })
export class LogDestinationModule {}
