import { Injectable, Module } from '@nestjs/common';
import { ApiTask } from '../../src/task-registry/api-task.decorator';

/** Tasks that only the tests register, for cases the demo tasks do not cover. */
@Injectable()
export class FixtureTasks {
  @ApiTask(['fx.alpha', 'fx.beta'], 'Needs two permissions', { name: 'fx.both' })
  both() {
    return 'ok';
  }

  @ApiTask([], 'Anyone authenticated may run it', { name: 'fx.open', public: true })
  open() {
    return 'open';
  }

  @ApiTask(['fx.alpha'], 'Returns more JSON than the result limit allows', { name: 'fx.huge' })
  huge() {
    return 'x'.repeat(300 * 1024);
  }

  @ApiTask(['fx.alpha'], 'Allows at most one minute', { name: 'fx.bounded', timeoutMs: 60_000 })
  bounded() {
    return 'bounded';
  }

  @ApiTask(['fx.alpha'], 'Returns its args and kwargs', { name: 'fx.echo' })
  echo(ctx: { args: unknown[]; kwargs: unknown; attempt: number }) {
    return { args: ctx.args, kwargs: ctx.kwargs, attempt: ctx.attempt };
  }
}

@Module({ providers: [FixtureTasks] })
export class FixtureTasksModule {}
