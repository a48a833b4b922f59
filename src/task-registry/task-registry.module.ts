import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TaskExplorer } from './task-explorer';
import { TaskRegistry } from './task-registry';

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [TaskRegistry, TaskExplorer],
  exports: [TaskRegistry],
})
export class TaskRegistryModule {}
