const HOUR = 3_600_000;

/** The windows of `GET /executions/statistics?group_by=task`, by name. */
export const STATISTICS_WINDOWS = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR } as const;

export type StatisticsWindow = keyof typeof STATISTICS_WINDOWS;
