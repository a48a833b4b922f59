import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { ConfigError } from '../config/config-error';
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
    private readonly config: AppConfig,
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
    this.checkSecretsKey();
    this.logger.log(`registered ${this.registry.all().length} task(s)`);
  }

  /** A task with `@Sensitive()` kwargs cannot store them without a key: the start-up stops here, naming the variable. */
  private checkSecretsKey(): void {
    if (this.config.secretsKey) return;
    const task = this.registry.all().find((candidate) => candidate.sensitiveFields.length > 0);
    if (!task) return;
    throw new ConfigError(
      'SECRETS_KEY',
      `must be set (32 random bytes in base64: openssl rand -base64 32): task "${task.name}" (${task.source}) ` +
        `declares sensitive kwargs (${task.sensitiveFields.join(', ')}), which are stored encrypted with it`,
    );
  }
}
