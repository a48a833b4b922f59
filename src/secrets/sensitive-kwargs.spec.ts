import { IsString } from 'class-validator';
import { loadAppConfig } from '../config/load-app-config';
import { Sensitive } from '../task-registry/sensitive.decorator';
import { TaskDefinition } from '../task-registry/task-definition';
import { isSealed, SecretsCipher } from './secrets-cipher';
import { SensitiveKwargs } from './sensitive-kwargs';

class NotifyKwargs {
  @IsString() to: string;
  @Sensitive() @IsString() api_key: string;
}

const taskWith = (kwargsType: (new () => object) | undefined) =>
  new TaskDefinition({
    name: 'notify.send',
    description: 'd',
    permissions: ['p'],
    isPublic: false,
    kwargsType,
    timeoutMs: undefined,
    attempts: 1,
    backoff: undefined,
    queue: 'default',
    concurrency: undefined,
    acceptsFile: false,
    retainMs: undefined,
    source: 'NotifyTasks.send',
    handler: () => undefined,
  });

describe(SensitiveKwargs.name, () => {
  const sut = new SensitiveKwargs(new SecretsCipher(loadAppConfig({ SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') })));
  const task = taskWith(NotifyKwargs);

  it('seals only the sensitive fields, and opens them back', () => {
    const stored = sut.seal(task, { to: 'ops', api_key: 'sk-1' });
    expect(stored.to).toBe('ops');
    expect(isSealed(stored.api_key)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain('sk-1');
    expect(sut.open(task, stored)).toEqual({ to: 'ops', api_key: 'sk-1' });
  });

  it('leaves the kwargs of a task without sensitive fields as they are', () => {
    const kwargs = { a: 1 };
    expect(sut.seal(taskWith(undefined), kwargs)).toBe(kwargs);
    expect(sut.fingerprint(undefined, kwargs)).toBe(kwargs);
  });

  it('fingerprints the sensitive values: equal for equal values, without the clear value', () => {
    const one = sut.fingerprint(task, { to: 'ops', api_key: 'sk-1' });
    expect(one).toEqual(sut.fingerprint(task, { to: 'ops', api_key: 'sk-1' }));
    expect(one).not.toEqual(sut.fingerprint(task, { to: 'ops', api_key: 'sk-2' }));
    expect(JSON.stringify(one)).not.toContain('sk-1');
  });
});
