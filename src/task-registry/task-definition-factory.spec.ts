import { ApiTaskMetadata } from './api-task.decorator';
import { toTaskDefinition } from './task-definition-factory';

const handler = () => undefined;
const declare = (permissions: string[], options: ApiTaskMetadata['options'] = {}, description = 'does things') =>
  toTaskDefinition('ReportTasks', 'monthly', { permissions, description, options }, handler);

describe(toTaskDefinition.name, () => {
  it('derives the name and applies defaults', () => {
    const sut = declare(['reports.generate']);
    expect(sut.name).toBe('report.monthly');
    expect(sut.queue).toBe('default');
    expect(sut.attempts).toBe(1);
    expect(sut.isPublic).toBe(false);
    expect(sut.source).toBe('ReportTasks.monthly');
  });

  it('keeps every option given', () => {
    class Kwargs {}
    const sut = declare(['reports.generate'], {
      name: 'reports.monthly',
      kwargs: Kwargs,
      timeoutMs: 500,
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 100 },
      queue: 'reports',
      concurrency: 4,
      acceptsFile: true,
    });
    expect(sut).toMatchObject({
      name: 'reports.monthly',
      kwargsType: Kwargs,
      timeoutMs: 500,
      attempts: 3,
      queue: 'reports',
      concurrency: 4,
      acceptsFile: true,
    });
  });

  it.each([['Reports.Monthly'], ['reports..monthly'], ['.reports'], ['reports monthly'], ['1reports'], ['a'.repeat(201)]])(
    'rejects the bad name %p, naming the method',
    (name) => {
      expect(() => declare(['x'], { name })).toThrow(/ReportTasks\.monthly.*invalid task name/);
    },
  );

  it('rejects a task without permissions unless it is public', () => {
    expect(() => declare([])).toThrow(/ReportTasks\.monthly: declares no permission/);
    expect(declare([], { public: true }).isPublic).toBe(true);
  });

  it('rejects public tasks that also list permissions', () => {
    expect(() => declare(['a'], { public: true })).toThrow(/public but also lists permissions/);
  });

  it.each([
    [{ attempts: 0 }, /attempts/],
    [{ timeoutMs: 1.5 }, /timeoutMs/],
    [{ concurrency: -1 }, /concurrency/],
    [{ queue: 'Bad Queue' }, /queue/],
    [{ backoff: { type: 'linear', delayMs: 1 } }, /backoff.type/],
    [{ backoff: { type: 'fixed', delayMs: -1 } }, /backoff.delayMs/],
  ])('rejects the bad option %p', (options, message) => {
    expect(() => declare(['a'], options as ApiTaskMetadata['options'])).toThrow(message);
  });

  it('reads retain: a duration in s, m, h or d, or 0 (forever); none leaves RETENTION to decide', () => {
    expect(declare(['a']).retainMs).toBeUndefined();
    expect(declare(['a'], { retain: '7d' }).retainMs).toBe(7 * 86_400_000);
    expect(declare(['a'], { retain: '90m' }).retainMs).toBe(5_400_000);
    expect(declare(['a'], { retain: 0 }).retainMs).toBe(0);
    expect(declare(['a'], { retain: '0' }).retainMs).toBe(0);
  });

  it.each([['7'], ['1w'], ['-1d'], ['seven days'], [7]])('stops the start-up on retain %p, naming the method', (retain) => {
    expect(() => declare(['a'], { retain } as ApiTaskMetadata['options'])).toThrow(
      /^@ApiTask on ReportTasks\.monthly: retain must be 0 \(keep forever\) or a duration such as 30d/,
    );
  });

  it('rejects bad permission codenames and a missing description', () => {
    expect(() => declare(['Reports Generate'])).toThrow(/permissions must be codenames/);
    expect(() => declare(['a'], {}, ' ')).toThrow(/needs a description/);
  });
});
