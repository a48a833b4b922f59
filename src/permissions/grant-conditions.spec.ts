import { IsNumber, IsOptional, IsString } from 'class-validator';
import { conditionalPermissions } from '../auth/authenticator';
import { toTaskDefinition } from '../task-registry/task-definition-factory';
import { TaskDefinition } from '../task-registry/task-definition';
import { Sensitive } from '../task-registry/sensitive.decorator';
import { conditionProblems, conditionsMatch, describeConditions, failingFields } from './grant-conditions';

class RefundKwargs {
  @IsNumber() amount: number;
  @IsOptional() @IsString() currency?: string;
}

class OtherRefundKwargs {
  @IsNumber() amount: number;
}

class NotifyKwargs {
  @IsString() to: string;
  @Sensitive() @IsString() api_key: string;
}

function task(name: string, permissions: string[], kwargs?: new () => object): TaskDefinition {
  return toTaskDefinition('Fixture', name.replace('.', '_'), { permissions, description: 'x', options: { name, kwargs } }, () => 1);
}

const refund = task('payments.refund', ['payments.refund', 'payments.read'], RefundKwargs);
const tasks = [refund, task('payments.other', ['payments.refund'], OtherRefundKwargs), task('misc.any', ['misc.any'])];

describe('grant conditions', () => {
  describe(conditionProblems.name, () => {
    it('refuses a condition on a sensitive argument: a refusal would spell it out', () => {
      const notify = [task('mail.notify', ['mail.send'], NotifyKwargs)];
      expect(conditionProblems('mail.send', { 'kwargs.to': 'ops@example.com' }, notify)).toEqual([]);
      expect(conditionProblems('mail.send', { 'kwargs.api_key': { $ne: 'x' } }, notify)).toEqual([
        'conditions: kwargs field "api_key" is a sensitive argument of mail.notify; conditions cannot name it',
      ]);
    });

    it('accepts the allowed operators over kwargs fields every declaring task has, and resource', () => {
      const ok = {
        'kwargs.amount': { $lte: 100, $gt: 0, $ne: 50 },
        resource: { $in: ['eu', 'us'] },
      };
      expect(conditionProblems('payments.refund', ok, tasks)).toEqual([]);
      expect(conditionProblems('payments.refund', { 'kwargs.amount': 5, resource: 'eu' }, tasks)).toEqual([]);
      expect(conditionProblems('payments.refund', { 'kwargs.amount': { $nin: [1, 2] }, resource: { $eq: null } }, tasks)).toEqual([]);
    });

    it('refuses unknown operators, fields and shapes, naming each', () => {
      expect(conditionProblems('payments.refund', { 'kwargs.amount': { $regex: '1' } }, tasks)).toEqual([
        expect.stringContaining('unknown operator "$regex"'),
      ]);
      expect(conditionProblems('payments.refund', { 'kwargs.zzz': 1 }, tasks)).toEqual([
        'conditions: kwargs field "zzz" is in the kwargs of no task declaring payments.refund (payments.refund, payments.other)',
      ]);
      // A field one declaring task has and another lacks: it narrows the grant to the first one's requests.
      expect(conditionProblems('payments.refund', { 'kwargs.currency': 'EUR' }, tasks)).toEqual([]);
      expect(conditionProblems('payments.refund', { 'kwargs.currency': 5 }, tasks)).toEqual([expect.stringContaining('must be a string')]);
      for (const bad of [null, [], 'x', 5, {}]) expect(conditionProblems('payments.refund', bad, tasks)).toHaveLength(1);
      expect(conditionProblems('payments.refund', { $or: [] }, tasks)).toEqual([expect.stringContaining('unknown field "$or"')]);
      expect(conditionProblems('payments.refund', { 'kwargs.amount.x': 1 }, tasks)).toHaveLength(1);
      expect(conditionProblems('payments.refund', { 'kwargs.amount': {} }, tasks)).toEqual([expect.stringContaining('names no operator')]);
      expect(conditionProblems('payments.refund', { 'kwargs.amount': { $in: [] } }, tasks)).toHaveLength(1);
      expect(conditionProblems('payments.refund', { 'kwargs.amount': { $lte: '100' } }, tasks)).toEqual([
        expect.stringContaining('must be a number'),
      ]);
      expect(conditionProblems('payments.refund', { resource: { $lt: { a: 1 } } }, tasks)).toHaveLength(1);
      expect(conditionProblems('payments.refund', { resource: 5 }, tasks)).toEqual([expect.stringContaining('must be a string')]);
    });

    it('checks only the shape of kwargs fields when the tasks declaring the permission take any kwargs, or none declares it', () => {
      expect(conditionProblems('misc.any', { 'kwargs.whatever': { $gte: 1 } }, tasks)).toEqual([]);
      expect(conditionProblems('nobody.declares', { 'kwargs.x': 'y' }, tasks)).toEqual([]);
      expect(conditionProblems('nobody.declares', { 'kwargs.x': { $where: 'y' } }, tasks)).toHaveLength(1);
    });
  });

  describe(conditionsMatch.name, () => {
    it('matches kwargs by dotted path and resource, every field at once', () => {
      const conditions = { 'kwargs.amount': { $lte: 100 }, resource: { $in: ['eu'] } };
      expect(conditionsMatch(conditions, { kwargs: { amount: 100 }, resource: 'eu' })).toBe(true);
      expect(conditionsMatch(conditions, { kwargs: { amount: 101 }, resource: 'eu' })).toBe(false);
      expect(conditionsMatch(conditions, { kwargs: { amount: 5 }, resource: null })).toBe(false);
      expect(conditionsMatch(conditions, { kwargs: {}, resource: 'eu' })).toBe(false);
      expect(conditionsMatch(conditions, { kwargs: { amount: null }, resource: 'eu' })).toBe(false);
      expect(conditionsMatch({ 'kwargs.amount': { $ne: 5 } }, { kwargs: {}, resource: null })).toBe(true);
    });

    it('never matches an array or object value, nor a comparison with a value of another type', () => {
      expect(conditionsMatch({ 'kwargs.amount': { $lte: 100 } }, { kwargs: { amount: [5, 5000] }, resource: null })).toBe(false);
      expect(conditionsMatch({ 'kwargs.region': { $in: ['eu'] } }, { kwargs: { region: ['eu', 'us'] }, resource: null })).toBe(false);
      expect(conditionsMatch({ 'kwargs.amount': { $ne: 5 } }, { kwargs: { amount: { x: 1 } }, resource: null })).toBe(false);
      expect(conditionsMatch({ 'kwargs.amount': { $lte: 100 } }, { kwargs: { amount: '5' }, resource: null })).toBe(false);
      expect(conditionsMatch({ 'kwargs.region': { $in: ['eu'] } }, { kwargs: { region: 'eu' }, resource: null })).toBe(true);
    });
  });

  describe(failingFields.name, () => {
    it('names each field the request fails, checked on its own', () => {
      const conditions = { 'kwargs.amount': { $lte: 100 }, resource: 'eu' };
      expect(failingFields(conditions, { kwargs: { amount: 500 }, resource: 'eu' })).toEqual(['kwargs.amount']);
      expect(failingFields(conditions, { kwargs: { amount: 500 }, resource: 'us' })).toEqual(['kwargs.amount', 'resource']);
      expect(failingFields(conditions, { kwargs: { amount: 5 }, resource: 'eu' })).toEqual([]);
    });
  });

  describe(conditionalPermissions.name, () => {
    it('keeps a permission conditional only when every grant of it has conditions, and only held ones', () => {
      const grants = [
        { permission: 'a', conditions: { resource: 'x' } },
        { permission: 'a', conditions: { resource: 'y' } },
        { permission: 'b', conditions: { resource: 'x' } },
        { permission: 'b', conditions: null },
        { permission: 'c', conditions: { resource: 'x' } },
      ];
      expect(conditionalPermissions(grants, ['a', 'b'])).toEqual({ a: [{ resource: 'x' }, { resource: 'y' }] });
    });
  });

  it('describes conditions in words', () => {
    expect(describeConditions({ 'kwargs.amount': { $lte: 100, $gt: 0 }, resource: 'eu' })).toBe(
      'kwargs.amount <= 100 and kwargs.amount > 0 and resource = "eu"',
    );
    expect(describeConditions({ resource: { $nin: ['a', 'b'] } })).toBe('resource is none of ["a","b"]');
  });
});
