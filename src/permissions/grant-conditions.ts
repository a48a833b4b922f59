import { mongoQueryMatcher } from '@casl/ability';
import { kwargsSchema } from '../task-registry/kwargs-validation';
import { TaskDefinition } from '../task-registry/task-definition';

/**
 * The conditions of one grant (SPEC 7.7): `{"kwargs.amount": {"$lte": 100}, "resource": "eu"}`.
 * Every field must match (AND); a bare value means `$eq`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON values of any shape, as TypeORM's write types take them
export type GrantConditions = Record<string, any>;

/** What a request offers to be matched: its kwargs and resource. */
export type ConditionSubject = {
  kwargs: Record<string, unknown>;
  resource: string | null;
};

/** CASL's MongoDB-style subset SPEC 7.7 allows, with how a refusal says each. */
export const CONDITION_OPERATORS = {
  $eq: '=',
  $ne: '≠',
  $lt: '<',
  $lte: '<=',
  $gt: '>',
  $gte: '>=',
  $in: 'is one of',
  $nin: 'is none of',
} as const;
type Operator = keyof typeof CONDITION_OPERATORS;

/** Fields per grant, and the size of its JSON: a grant is a rule, not a data set. */
export const MAX_CONDITION_FIELDS = 20;
export const MAX_CONDITIONS_JSON = 4096;

const KWARGS_FIELD = /^kwargs\.([A-Za-z_][A-Za-z0-9_]{0,99})$/;
const LIST_OPERATORS: readonly string[] = ['$in', '$nin'];
const ORDER_OPERATORS: readonly string[] = ['$lt', '$lte', '$gt', '$gte'];

/**
 * What is wrong with `conditions` for a grant of `permission`, given the registered tasks that
 * declare it; empty when they may be granted. A `kwargs.<field>` must be a top-level field of the
 * kwargs of at least one such task (or one taking any kwargs): a permission usually covers several
 * tasks (`demo.run`: demo.add, demo.sleep, demo.fail), and a condition on one task's field is how a
 * grant is narrowed to that task's requests (the others', lacking the field, fail a comparison).
 * When no registered task declares the permission, fields are checked for shape only. Operand
 * types follow the field's schema type where the tasks having it agree on one (number, integer,
 * string, boolean).
 */
export function conditionProblems(permission: string, conditions: unknown, tasks: readonly TaskDefinition[]): string[] {
  if (typeof conditions !== 'object' || conditions === null || Array.isArray(conditions)) {
    return ['conditions must be a JSON object such as {"kwargs.amount": {"$lte": 100}}'];
  }
  const fields = Object.entries(conditions);
  if (fields.length === 0) return ['conditions must name at least one field (leave them out for an unconditional grant)'];
  if (fields.length > MAX_CONDITION_FIELDS) return [`conditions may name at most ${MAX_CONDITION_FIELDS} fields`];
  if (JSON.stringify(conditions).length > MAX_CONDITIONS_JSON)
    return [`conditions must be at most ${MAX_CONDITIONS_JSON} characters of JSON`];
  const declaring = tasks.filter((task) => task.permissions.includes(permission));
  const problems: string[] = [];
  for (const [field, condition] of fields) {
    const type = fieldType(field, permission, declaring, problems);
    if (type === undefined) continue;
    if (isPlainObject(condition) && Object.keys(condition).length === 0) problems.push(`conditions.${field} names no operator`);
    for (const [operator, operand] of Object.entries(asOperators(condition))) {
      problems.push(...operandProblems(field, operator, operand, type));
    }
  }
  return problems;
}

/**
 * Whether the request meets the conditions: CASL's own matcher, over the operators allowed when
 * granted, behind two stricter rules. Conditions are about scalar values: an array or object value
 * never matches (CASL, as MongoDB, would let `[5, 5000]` pass `$lte: 100` through its 5). And a
 * comparison (`$lt`…`$gte`) matches only a value of its operand's type, never a missing or null
 * one (CASL lets `undefined <= 100` through).
 */
export function conditionsMatch(conditions: GrantConditions, subject: ConditionSubject): boolean {
  for (const [field, condition] of Object.entries(conditions)) {
    const value = valueAt(subject, field);
    if (typeof value === 'object' && value !== null) return false;
    const operators = Object.entries(asOperators(condition));
    if (operators.some(([operator, operand]) => ORDER_OPERATORS.includes(operator) && typeof value !== typeof operand)) return false;
  }
  return mongoQueryMatcher(conditions)(subject);
}

/** The fields of `conditions` this request fails, each checked on its own. */
export function failingFields(conditions: GrantConditions, subject: ConditionSubject): string[] {
  return Object.entries(conditions)
    .filter(([field, condition]) => !conditionsMatch({ [field]: condition as unknown }, subject))
    .map(([field]) => field);
}

function valueAt(subject: ConditionSubject, field: string): unknown {
  if (field === 'resource') return subject.resource;
  const name = field.slice('kwargs.'.length);
  return Object.hasOwn(subject.kwargs, name) ? subject.kwargs[name] : undefined;
}

/** The conditions in words: `kwargs.amount <= 100 and resource is one of ["eu", "us"]`. */
export function describeConditions(conditions: GrantConditions): string {
  return Object.entries(conditions)
    .flatMap(([field, condition]) =>
      Object.entries(asOperators(condition)).map(
        ([operator, operand]) => `${field} ${CONDITION_OPERATORS[operator as Operator] ?? operator} ${JSON.stringify(operand)}`,
      ),
    )
    .join(' and ');
}

/** A bare value is `$eq`. */
function asOperators(condition: unknown): Record<string, unknown> {
  return isPlainObject(condition) ? condition : { $eq: condition };
}

/** The JSON Schema type of a field's values; `null` when any goes; undefined (and a problem) when the field is refused. */
function fieldType(field: string, permission: string, declaring: readonly TaskDefinition[], problems: string[]): string | null | undefined {
  if (field === 'resource') return 'string';
  const name = KWARGS_FIELD.exec(field)?.[1];
  if (!name) {
    problems.push(`conditions: unknown field "${field}"; use "resource" or "kwargs.<field>"`);
    return undefined;
  }
  // A condition on a secret would spell it out in every refusal, and the stored value is sealed.
  const keeping = declaring.find((task) => task.sensitiveFields.includes(name));
  if (keeping) {
    problems.push(`conditions: kwargs field "${name}" is a sensitive argument of ${keeping.name}; conditions cannot name it`);
    return undefined;
  }
  const types = new Set<string | null>();
  let open = declaring.length === 0;
  for (const task of declaring) {
    const schema = kwargsSchema(task) as { properties?: Record<string, { type?: string }>; additionalProperties?: boolean };
    const property = schema.properties?.[name];
    if (property) types.add(typeof property.type === 'string' ? property.type : null);
    else if (schema.additionalProperties === true) open = true;
  }
  if (types.size === 0 && !open) {
    const names = declaring.map((task) => task.name).join(', ');
    problems.push(`conditions: kwargs field "${name}" is in the kwargs of no task declaring ${permission} (${names})`);
    return undefined;
  }
  return types.size === 1 && !open ? [...types][0] : null;
}

function operandProblems(field: string, operator: string, operand: unknown, type: string | null): string[] {
  if (!(operator in CONDITION_OPERATORS)) {
    return [`conditions.${field}: unknown operator "${operator}"; allowed: ${Object.keys(CONDITION_OPERATORS).join(' ')}`];
  }
  if (LIST_OPERATORS.includes(operator)) {
    if (!Array.isArray(operand) || operand.length === 0) return [`conditions.${field}.${operator} must be a non-empty array`];
    return operand.flatMap((item) => valueProblems(`conditions.${field}.${operator}[]`, item, type));
  }
  if (ORDER_OPERATORS.includes(operator) && typeof operand !== 'number' && typeof operand !== 'string') {
    return [`conditions.${field}.${operator} must be a number or a string`];
  }
  return valueProblems(`conditions.${field}.${operator}`, operand, type);
}

function valueProblems(where: string, value: unknown, type: string | null): string[] {
  if (value !== null && typeof value === 'object') return [`${where} must be a string, number, boolean or null`];
  const expected = type === 'integer' ? 'number' : type;
  if (value === null || expected === null || !['number', 'string', 'boolean'].includes(expected)) return [];
  if (typeof value !== expected) return [`${where} must be a ${expected}, as the field is`];
  if (type === 'integer' && !Number.isInteger(value)) return [`${where} must be an integer, as the field is`];
  return [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
