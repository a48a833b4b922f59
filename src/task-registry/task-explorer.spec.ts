import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsString } from 'class-validator';
import { ConfigModule } from '../config/config.module';
import { loadAppConfig } from '../config/load-app-config';
import { ApiTask } from './api-task.decorator';
import { kwargsSchema } from './kwargs-validation';
import { Sensitive } from './sensitive.decorator';
import type { TaskContext } from './task-context';
import { TaskRegistry } from './task-registry';
import { TaskRegistryModule } from './task-registry.module';

@Injectable()
class ReportTasks {
  @ApiTask(['reports.generate'], 'Monthly report', { queue: 'reports' })
  monthly(ctx: TaskContext) {
    return { owner: ctx.ownerId, self: this instanceof ReportTasks };
  }

  @ApiTask([], 'Anyone may ping', { public: true, name: 'reports.ping' })
  ping() {
    return 'pong';
  }

  notATask() {
    return 'ignored';
  }
}

@Injectable()
class OtherTasks {
  @ApiTask(['other.run'], 'Clashes with ReportTasks.monthly', { name: 'report.monthly' })
  clash() {
    return 1;
  }
}

@Injectable()
class OpenTasks {
  @ApiTask([], 'No permission and not public')
  open() {
    return 1;
  }
}

@Injectable()
class BadNameTasks {
  @ApiTask(['a'], 'Bad name', { name: 'Not Valid' })
  bad() {
    return 1;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedTasks {
  @ApiTask(['a'], 'Cannot be called by a worker')
  scoped() {
    return 1;
  }
}

class NotifyKwargs {
  @IsString()
  to: string;

  @IsString()
  @Sensitive()
  api_key: string;
}

@Injectable()
class SecretTasks {
  @ApiTask(['notify.send'], 'Needs a key', { name: 'notify.send', kwargs: NotifyKwargs })
  send() {
    return 1;
  }
}

const A_KEY = Buffer.alloc(32, 7).toString('base64');

async function boot(...providers: Array<new (...args: never[]) => object>): Promise<TaskRegistry> {
  return bootWith({ SECRETS_KEY: A_KEY }, ...providers);
}

async function bootWith(env: Record<string, string>, ...providers: Array<new (...args: never[]) => object>): Promise<TaskRegistry> {
  @Module({ providers })
  class FixtureModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadAppConfig(env)), TaskRegistryModule, FixtureModule],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(TaskRegistry);
}

describe('TaskExplorer', () => {
  it('discovers decorated methods of a fixture module, bound to their instance', async () => {
    const sut = await boot(ReportTasks);
    expect(sut.all().map((task) => task.name)).toEqual(['report.monthly', 'reports.ping']);
    const monthly = sut.get('report.monthly');
    expect(monthly.permissions).toEqual(['reports.generate']);
    expect(monthly.queue).toBe('reports');
    expect(await monthly.handler({ ownerId: 'p1' } as TaskContext)).toEqual({ owner: 'p1', self: true });
    expect(sut.get('reports.ping').isPublic).toBe(true);
  });

  it('stops the boot on a duplicate name, naming both methods', async () => {
    await expect(boot(ReportTasks, OtherTasks)).rejects.toThrow(/OtherTasks\.clash.*already used by ReportTasks\.monthly/);
  });

  it('stops the boot on a task with no permission that is not public', async () => {
    await expect(boot(OpenTasks)).rejects.toThrow(/OpenTasks\.open: declares no permission/);
  });

  it('stops the boot on an invalid name', async () => {
    await expect(boot(BadNameTasks)).rejects.toThrow(/BadNameTasks\.bad: invalid task name "Not Valid"/);
  });

  it('skips request-scoped providers', async () => {
    const sut = await boot(RequestScopedTasks);
    expect(sut.all()).toEqual([]);
  });

  it('reads @Sensitive() fields, and marks them writeOnly in the kwargs schema', async () => {
    const sut = (await boot(SecretTasks)).get('notify.send');
    expect(sut.sensitiveFields).toEqual(['api_key']);
    const schema = kwargsSchema(sut) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.api_key).toMatchObject({ type: 'string', writeOnly: true });
    expect(schema.properties.to.writeOnly).toBeUndefined();
  });

  it('stops the boot when a task declares a sensitive field and SECRETS_KEY is missing, naming the variable', async () => {
    await expect(bootWith({}, SecretTasks)).rejects.toThrow(/^SECRETS_KEY must be set.*notify\.send.*api_key/);
    await expect(bootWith({}, ReportTasks)).resolves.toBeDefined();
  });

  it('answers unknown names with a not-found error', async () => {
    const sut = await boot(ReportTasks);
    expect(() => sut.get('nope')).toThrow(/task "nope" is not registered/);
  });
});
