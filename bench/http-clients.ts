import { Agent, request } from 'node:http';

export interface ClosedLoopResult {
  accepted: string[];
  /** Answers other than 202, by status (0: no answer). */
  refused: Record<number, number>;
  elapsedMs: number;
}

/**
 * `count` POSTs of `body` to `url`, `clients` at a time, each client sending its next request when
 * the last one is answered (a closed loop, as services calling the gateway do). Keep-alive.
 */
export async function postClosedLoop(url: string, auth: string, body: unknown, count: number, clients: number): Promise<ClosedLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const payload = JSON.stringify(body);
  const result: ClosedLoopResult = { accepted: [], refused: {}, elapsedMs: 0 };
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next++ < count) {
      const answer = await post(agent, url, auth, payload);
      if (answer.status === 202) result.accepted.push((JSON.parse(answer.text) as { execution_id: string }).execution_id);
      else result.refused[answer.status] = (result.refused[answer.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, lane));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}

/**
 * `count` executions as batches of `itemsPerRequest` items (the same body each) POSTed to the batch
 * route, `clients` requests at a time, closed loop. `latenciesMs`: each request's answer time.
 */
export async function postBatchesClosedLoop(
  url: string,
  auth: string,
  item: unknown,
  itemsPerRequest: number,
  count: number,
  clients: number,
): Promise<ClosedLoopResult & { latenciesMs: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const result: ClosedLoopResult & { latenciesMs: number[] } = { accepted: [], refused: {}, elapsedMs: 0, latenciesMs: [] };
  const started = performance.now();
  let remaining = count;
  const lane = async () => {
    while (remaining > 0) {
      const size = Math.min(itemsPerRequest, remaining);
      remaining -= size;
      const sent = performance.now();
      const answer = await post(agent, url, auth, JSON.stringify({ items: Array.from({ length: size }, () => item) }));
      result.latenciesMs.push(performance.now() - sent);
      if (answer.status !== 200) {
        result.refused[answer.status] = (result.refused[answer.status] ?? 0) + size;
        continue;
      }
      for (const { status, execution_id } of (JSON.parse(answer.text) as { results: Array<{ status: number; execution_id?: string }> })
        .results) {
        if (status === 202) result.accepted.push(execution_id!);
        else result.refused[status] = (result.refused[status] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, lane));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}

function post(agent: Agent, url: string, auth: string, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(payload);
  });
}
