import { DynamicModule, Module, OnApplicationBootstrap, Type } from '@nestjs/common';
import { AppConfig, type CompatFamily } from '../config/app-config';
import { ConfigError } from '../config/config-error';
import { ExecutionsApiModule } from '../executions-api/executions-api.module';
import { ExecutionsModule } from '../executions/executions.module';
import { TaskRegistry } from '../task-registry/task-registry';
import { CeleryTasksController } from './celery-tasks.controller';
import { UserTasksController } from './user-tasks.controller';
import { V1TasksSocket } from './v1-tasks-socket';
import { V1TasksController } from './v1-tasks.controller';

const CONTROLLERS: Record<CompatFamily, Type[]> = {
  'api-tasks': [CeleryTasksController, UserTasksController],
  'api-v1-tasks': [V1TasksController],
};

const DEFAULT_UPLOAD_TASK = 'demo.checksum';

/**
 * The seed APIs (SPEC 8) as thin adapters: each route maps its request onto a native service and
 * the record onto the seed's words, and owns no rule of its own, so tokens, permissions,
 * visibility, audit, rate limits and events are the native ones. `COMPAT` picks the families;
 * loaded after the native API so that its routes keep precedence.
 */
@Module({})
export class CompatModule implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly registry: TaskRegistry,
  ) {}

  static forRoot(families: CompatFamily[]): DynamicModule {
    return {
      module: CompatModule,
      imports: [ExecutionsModule, ExecutionsApiModule],
      controllers: families.flatMap((family) => CONTROLLERS[family]),
      providers: families.includes('api-v1-tasks') ? [V1TasksSocket] : [],
    };
  }

  /**
   * The seed upload's task must exist and take a file, or the process does not start; except the
   * default with the demo tasks off, where the seed upload just answers 404 (unknown task).
   */
  onApplicationBootstrap(): void {
    const name = this.config.compatUploadTask;
    if (!this.config.compat.includes('api-v1-tasks')) return;
    if (name === DEFAULT_UPLOAD_TASK && !this.config.demoTasks) return;
    const task = this.registry.find(name);
    if (!task) throw new ConfigError('COMPAT_UPLOAD_TASK', `names no registered task: "${name}"`);
    if (!task.acceptsFile) throw new ConfigError('COMPAT_UPLOAD_TASK', `names "${name}", which takes no file (acceptsFile)`);
  }
}
