export const TASK_NAME_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/;
export const PERMISSION_PATTERN = /^[a-z0-9_.:-]+$/;
export const QUEUE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const MAX_TASK_NAME_LENGTH = 200;

const CLASS_SUFFIX = /(Tasks|Task|Service)$/;

function snakeCase(identifier: string): string {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** `ReportTasks.monthlySummary` → `report.monthly_summary`. */
export function defaultTaskName(className: string, methodName: string): string {
  const base = className.replace(CLASS_SUFFIX, '') || className;
  return `${snakeCase(base)}.${snakeCase(methodName)}`;
}
