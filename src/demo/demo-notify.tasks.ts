import { Injectable } from '@nestjs/common';
import { ApiTask } from '../task-registry/api-task.decorator';
import type { TaskContext } from '../task-registry/task-context';
import { NotifyKwargs } from './dto/demo-kwargs.dto';

/** The demo of a sensitive argument (SPEC 7.8): `api_key` is stored encrypted and shown as "***". */
@Injectable()
export class DemoNotifyTasks {
  @ApiTask(['demo.run'], 'Pretends to notify `to` with the sensitive `api_key`; answers {to, key_length}', {
    name: 'demo.notify',
    kwargs: NotifyKwargs,
  })
  notify(ctx: TaskContext<NotifyKwargs>): { to: string; key_length: number } {
    return { to: ctx.kwargs.to, key_length: ctx.kwargs.api_key.length };
  }
}
