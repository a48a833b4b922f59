import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { API_TASK_METADATA, ApiTaskMetadata } from './api-task.decorator';
import { TaskDefinition } from './task-definition';
import { toTaskDefinition } from './task-definition-factory';
import { TaskRegistry } from './task-registry';

/** Finds every `@ApiTask` method among the application's providers and registers it. */
@Injectable()
export class TaskExplorer implements OnModuleInit {
  private readonly logger = new Logger(TaskExplorer.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: TaskRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, (...args: unknown[]) => unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const metadata = this.reflector.get<ApiTaskMetadata>(API_TASK_METADATA, prototype[methodName]);
        if (!metadata) continue;
        const className = instance.constructor.name;
        if (!wrapper.isDependencyTreeStatic()) {
          // A request-scoped provider has no instance outside a request: a worker cannot call it.
          this.logger.warn(`@ApiTask on ${className}.${methodName} ignored: its provider is request-scoped`);
          continue;
        }
        const handler = prototype[methodName].bind(instance) as TaskDefinition['handler'];
        this.registry.register(toTaskDefinition(className, methodName, metadata, handler));
      }
    }
    this.logger.log(`registered ${this.registry.all().length} task(s)`);
  }
}
