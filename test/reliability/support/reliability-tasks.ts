import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { ApiTask } from '../../../src/task-registry/api-task.decorator';
import type { TaskContext } from '../../../src/task-registry/task-context';
import { ensureSideEffectTable, recordSideEffect } from './side-effects';

export const RELIABILITY_PERMISSION = 'rel.run';

/**
 * Tasks for the reliability specs. Those with a side effect write a row to `rel_side_effects`
 * when they finish, so a spec can count how many runs of one execution really happened.
 * Most allow 3 attempts: a run lost with a killed worker uses one up.
 */
@Injectable()
export class ReliabilityTasks implements OnModuleInit {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await ensureSideEffectTable(this.dataSource);
  }

  @ApiTask([RELIABILITY_PERMISSION], 'Does nothing', { name: 'rel.noop', attempts: 3 })
  noop(ctx: TaskContext) {
    return { attempt: ctx.attempt };
  }

  @ApiTask([RELIABILITY_PERMISSION], 'Sleeps kwargs.ms; needs no database of its own (for the database outage)', {
    name: 'rel.wait',
    attempts: 3,
  })
  async wait(ctx: TaskContext<{ ms: number }>) {
    await sleep(ctx.kwargs.ms);
    return { attempt: ctx.attempt };
  }

  @ApiTask([RELIABILITY_PERMISSION], 'Sleeps kwargs.ms, then records its side effect', { name: 'rel.sleep', attempts: 3 })
  async sleep(ctx: TaskContext<{ ms: number }>) {
    await sleep(ctx.kwargs.ms);
    return this.sideEffect(ctx);
  }

  @ApiTask([RELIABILITY_PERMISSION], 'Records its side effect', { name: 'rel.effect', attempts: 3 })
  effect(ctx: TaskContext) {
    return this.sideEffect(ctx);
  }

  @ApiTask([RELIABILITY_PERMISSION], 'On its first attempt blocks the event loop for kwargs.ms; records its side effect', {
    name: 'rel.block',
    attempts: 3,
  })
  block(ctx: TaskContext<{ ms: number }>) {
    // Atomics.wait stops the thread like a busy loop would, without burning a core of a small machine.
    if (ctx.attempt === 1) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ctx.kwargs.ms);
    return this.sideEffect(ctx);
  }

  @ApiTask([RELIABILITY_PERMISSION], 'Kills its own process on every attempt', { name: 'rel.poison', attempts: 3 })
  poison() {
    process.kill(process.pid, 'SIGKILL');
  }

  private async sideEffect(ctx: TaskContext) {
    await recordSideEffect(this.dataSource, { executionId: ctx.executionId, attempt: ctx.attempt, pid: process.pid });
    return { attempt: ctx.attempt, pid: process.pid };
  }
}

@Module({ providers: [ReliabilityTasks] })
export class ReliabilityTasksModule {}
