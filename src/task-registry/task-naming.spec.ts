import { defaultTaskName, TASK_NAME_PATTERN } from './task-naming';

describe(defaultTaskName.name, () => {
  it.each([
    ['ReportTasks', 'monthly', 'report.monthly'],
    ['ReportTasks', 'monthlySummary', 'report.monthly_summary'],
    ['BillingService', 'chargeCard', 'billing.charge_card'],
    ['HTTPTask', 'fetchURL', 'http.fetch_url'],
    ['Tasks', 'run', 'tasks.run'],
  ])('%s.%s → %s', (className, method, expected) => {
    const name = defaultTaskName(className, method);
    expect(name).toBe(expected);
    expect(name).toMatch(TASK_NAME_PATTERN);
  });
});
