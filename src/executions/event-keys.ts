/** Redis names of the event feed, under the gateway's key prefix. */
export const eventsKey = (prefix: string, executionId: string) => `${prefix}:events:${executionId}`;
export const eventsChannel = (prefix: string) => `${prefix}:execution-events`;

/**
 * Events kept per execution for `Last-Event-ID`, trimmed exactly. Each carries the whole current
 * state, so a client that missed older ones loses nothing but intermediate progress.
 */
export const HISTORY_LENGTH = 20;
/** History entries read per round trip when a client resumes. */
export const HISTORY_PAGE = 50;
export const EVENTS_TTL_SECONDS = 24 * 3600;
