/** Redis names of the event feed, under the gateway's key prefix. */
export const eventsKey = (prefix: string, executionId: string) => `${prefix}:events:${executionId}`;
export const eventsChannel = (prefix: string) => `${prefix}:execution-events`;

/** Events kept per execution for `Last-Event-ID` (approximate, Redis trims lazily). */
export const HISTORY_LENGTH = 500;
export const EVENTS_TTL_SECONDS = 24 * 3600;
