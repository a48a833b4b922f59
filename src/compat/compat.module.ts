import { DynamicModule, Module, Type } from '@nestjs/common';
import type { CompatFamily } from '../config/app-config';
import { ExecutionsApiModule } from '../executions-api/executions-api.module';
import { ExecutionsModule } from '../executions/executions.module';
import { CeleryTasksController } from './celery-tasks.controller';
import { UserTasksController } from './user-tasks.controller';
import { V1TasksSocket } from './v1-tasks-socket';
import { V1TasksController } from './v1-tasks.controller';

const CONTROLLERS: Record<CompatFamily, Type[]> = {
  'api-tasks': [CeleryTasksController, UserTasksController],
  'api-v1-tasks': [V1TasksController],
};

/**
 * The seed APIs (SPEC 8) as thin adapters: each route maps its request onto a native service and
 * the record onto the seed's words, and owns no rule of its own, so tokens, permissions,
 * visibility, audit, rate limits and events are the native ones. `COMPAT` picks the families;
 * loaded after the native API so that its routes keep precedence.
 */
@Module({})
export class CompatModule {
  static forRoot(families: CompatFamily[]): DynamicModule {
    return {
      module: CompatModule,
      imports: [ExecutionsModule, ExecutionsApiModule],
      controllers: families.flatMap((family) => CONTROLLERS[family]),
      providers: families.includes('api-v1-tasks') ? [V1TasksSocket] : [],
    };
  }
}
