import autocannon from 'autocannon';

export interface LatencyFigures {
  requests: number;
  /** Answers in 2xx. */
  accepted: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Connection errors, timeouts and answers outside 2xx. */
  errors: number;
}

export interface LoadShape {
  url: string;
  auth: string;
  seconds: number;
  method?: 'GET' | 'POST';
  body?: unknown;
  /** Requests a second over all connections; unset: as fast as `connections` allow. */
  rate?: number;
  connections?: number;
}

/** One autocannon run; latencies in milliseconds. */
export async function runAutocannon(shape: LoadShape): Promise<LatencyFigures> {
  const result = await autocannon({
    url: shape.url,
    method: shape.method ?? 'GET',
    headers: { Authorization: shape.auth, 'Content-Type': 'application/json' },
    body: shape.body === undefined ? undefined : JSON.stringify(shape.body),
    duration: shape.seconds,
    // At a fixed rate, enough connections that none waits for another's answer.
    connections: shape.connections ?? (shape.rate ? Math.max(10, Math.ceil(shape.rate / 20)) : 10),
    overallRate: shape.rate,
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    accepted: result['2xx'],
    perSecond: result.requests.total / shape.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
