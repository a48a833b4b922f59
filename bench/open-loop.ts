import { Agent, request } from 'node:http';
import type { LatencyFigures, LoadShape } from './autocannon-run';

/** The load generator's clock: each tick sends what has come due since the last. */
const PACING_TICK_MS = 1;

/**
 * Requests at a steady rate, each sent at its own moment (1 / rate apart) whatever the answers
 * before it did: an open loop, as independent callers are. Latency is counted from the moment a
 * request was due, so a client or server falling behind shows in the figures instead of hiding
 * (no coordinated omission). autocannon's rate mode sends each tick's requests on all connections
 * at once; those bursts queue in a one-threaded server and inflated every percentile (9 ms p50 for
 * /health/live at 50 req/s on 10 connections, under 1 ms on one).
 */
export async function runOpenLoop(shape: LoadShape & { rate: number }): Promise<LatencyFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const payload = shape.body === undefined ? undefined : JSON.stringify(shape.body);
  const total = Math.round(shape.rate * shape.seconds);
  const latencies: number[] = [];
  let errors = 0;
  let accepted = 0;
  const started = performance.now();
  const inFlight: Array<Promise<void>> = [];
  for (let sent = 0; sent < total;) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * shape.rate) + 1);
    for (; sent < due; sent++) {
      const dueAt = started + (sent / shape.rate) * 1000;
      inFlight.push(
        send(agent, shape, payload).then((status) => {
          latencies.push(performance.now() - dueAt);
          if (status >= 200 && status < 300) accepted++;
          else errors++;
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, PACING_TICK_MS));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (quantile: number) => latencies[Math.min(latencies.length - 1, Math.floor(quantile * latencies.length))] ?? 0;
  return { requests: total, accepted, perSecond: total / shape.seconds, p50: at(0.5), p99: at(0.99), errors };
}

function send(agent: Agent, shape: LoadShape, payload: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { Authorization: shape.auth };
    if (payload !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    const req = request(shape.url, { method: shape.method ?? 'GET', agent, headers });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}
