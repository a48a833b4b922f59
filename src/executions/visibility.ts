import { Brackets, WhereExpressionBuilder } from 'typeorm';
import { AppAbility } from '../permissions/ability-factory';
import { Execution } from './execution.entity';

/** Columns a CASL condition on Execution may name; anything else fails closed. */
const COLUMNS: Record<string, string> = { ownerId: 'owner_id', id: 'id', status: 'status', taskName: 'task_name' };

/**
 * Adds the ability's `read` conditions to a query, so a list shows exactly what `GET /{id}`
 * allows. Returns false when the caller may read no execution at all. `fields`: the conditions the
 * queried table can answer (execution_counts has no id); any other fails closed.
 */
export function applyVisibility(
  query: WhereExpressionBuilder,
  ability: AppAbility,
  alias: string,
  fields: readonly string[] = Object.keys(COLUMNS),
): boolean {
  const rules = ability.rulesFor('read', Execution);
  if (rules.some((rule) => rule.inverted)) throw new Error('inverted execution rules are not supported by list queries');
  if (rules.length === 0) return false;
  const anyOf = rules.map((rule) => (rule.conditions ?? {}) as Record<string, unknown>);
  if (anyOf.some((conditions) => Object.keys(conditions).length === 0)) return true;
  let index = 0;
  query.andWhere(
    new Brackets((any) => {
      for (const conditions of anyOf) {
        any.orWhere(
          new Brackets((all) => {
            for (const [field, value] of Object.entries(conditions)) {
              const column = COLUMNS[field];
              if (!column || !fields.includes(field) || typeof value !== 'string') {
                throw new Error(`unsupported visibility condition on ${field}`);
              }
              const name = `visible_${index++}`;
              all.andWhere(`${alias}.${column} = :${name}`, { [name]: value });
            }
          }),
        );
      }
    }),
  );
  return true;
}
