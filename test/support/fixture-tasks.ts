import { Injectable, Module } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiTask } from '../../src/task-registry/api-task.decorator';
import type { TaskContext } from '../../src/task-registry/task-context';

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

  @ApiTask(['fx.alpha'], 'Sleeps kwargs.ms and ignores cancellation', { name: 'fx.stubborn' })
  async stubborn(ctx: TaskContext<{ ms: number }>) {
    await ctx.progress({ progress: 10, stage: 'ignoring signals' });
    await sleep(ctx.kwargs.ms);
    return { finished: true, aborted: ctx.signal.aborted };
  }

  @ApiTask(['fx.alpha'], 'Fails until its third attempt', { name: 'fx.flaky', attempts: 3, backoff: { type: 'fixed', delayMs: 400 } })
  flaky(ctx: TaskContext) {
    if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} failed`);
    return { attempt: ctx.attempt };
  }

  @ApiTask(['fx.alpha'], 'Runs alone on its own queue', { name: 'fx.solo', queue: 'solo', concurrency: 1 })
  async solo(ctx: TaskContext<{ ms: number }>) {
    const started = Date.now();
    await sleep(ctx.kwargs.ms ?? 200);
    return { started, finished: Date.now() };
  }

  @ApiTask(['fx.alpha'], 'Reports progress kwargs.reports times', { name: 'fx.chatty' })
  async chatty(ctx: TaskContext<{ reports: number }>) {
    for (let i = 1; i <= ctx.kwargs.reports; i++) {
      await ctx.progress({ progress: Math.floor((i / ctx.kwargs.reports) * 100), completed_items: i, total_items: ctx.kwargs.reports });
    }
    return { reports: ctx.kwargs.reports };
  }

  @ApiTask(['fx.alpha'], 'Returns its args and kwargs', { name: 'fx.echo' })
  echo(ctx: { args: unknown[]; kwargs: unknown; attempt: number }) {
    return { args: ctx.args, kwargs: ctx.kwargs, attempt: ctx.attempt };
  }
}

@Module({ providers: [FixtureTasks] })
export class FixtureTasksModule {}
