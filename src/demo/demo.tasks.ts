import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiTask } from '../task-registry/api-task.decorator';
import type { TaskContext } from '../task-registry/task-context';
import { AddKwargs, FailKwargs, SleepKwargs } from './dto/demo-kwargs.dto';

/** The demo tasks: small, but each shows one thing a real task does. */
@Injectable()
export class DemoTasks {
  @ApiTask(['demo.run'], 'Adds two numbers: kwargs {a, b} → a + b', { name: 'demo.add', kwargs: AddKwargs })
  add(ctx: TaskContext<AddKwargs>): number {
    return ctx.kwargs.a + ctx.kwargs.b;
  }

  @ApiTask(['demo.run'], 'Sleeps ms milliseconds in steps, reporting progress after each; stops when cancelled', {
    name: 'demo.sleep',
    kwargs: SleepKwargs,
  })
  async sleep(ctx: TaskContext<SleepKwargs>): Promise<{ slept_ms: number; steps: number }> {
    const steps = ctx.kwargs.steps ?? 1;
    const stepMs = ctx.kwargs.ms / steps;
    for (let step = 1; step <= steps; step++) {
      await sleep(stepMs, undefined, { signal: ctx.signal });
      await ctx.progress({
        progress: Math.floor((step / steps) * 100),
        stage: 'sleeping',
        completed_items: step,
        total_items: steps,
      });
    }
    return { slept_ms: ctx.kwargs.ms, steps };
  }

  @ApiTask(['demo.run'], 'Always fails with the given message, so the record shows an error and a traceback', {
    name: 'demo.fail',
    kwargs: FailKwargs,
  })
  fail(ctx: TaskContext<FailKwargs>): never {
    throw new Error(ctx.kwargs.message);
  }

  @ApiTask(['demo.files'], 'SHA-256 and size of the uploaded file', { name: 'demo.checksum', acceptsFile: true })
  async checksum(ctx: TaskContext): Promise<{ sha256: string; size: number }> {
    if (!ctx.file) throw new Error('demo.checksum needs a file: use POST /api/v1/tasks/demo.checksum/upload');
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(ctx.file.path, { signal: ctx.signal })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), size };
  }
}
