import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

export interface ExecuteBody {
  task_name: string;
  kwargs?: Record<string, unknown>;
  args?: unknown[];
}

export interface Submission {
  /** Execution ids of the requests answered 202, in order of the answers. */
  accepted: string[];
  /** Every other answer (status 0: no answer at all, even after retries), with its body. */
  refused: Array<{ status: number; body: string }>;
}

export interface SubmissionReport extends Submission {
  /** Requests sent again, with the same Idempotency-Key, because a connection dropped without an answer. */
  resent: number;
}

/** A dropped connection is retried this often; the Idempotency-Key makes a retry a replay, never a second execution. */
const RESENDS = 3;

// FIFO reuse keeps every pooled socket busy, so none sits idle up to the server's keep-alive timeout.
const agent = new Agent({ keepAlive: true, maxSockets: 64, scheduling: 'fifo' });

/**
 * POSTs `count` executes with at most `concurrency` in flight, spread round-robin over `apiUrls`.
 * `body(i)` gives the i-th request's body. Each carries an Idempotency-Key, as a careful client's
 * would: a kept-alive connection that the server closes as idle just as a request goes out on it
 * (seen a few times in 5 000 on a busy machine: ECONNRESET on a reused socket) is then safe to resend.
 */
export async function submitExecutions(
  apiUrls: string[],
  auth: string,
  count: number,
  body: (i: number) => ExecuteBody,
  concurrency = 16,
): Promise<SubmissionReport> {
  const submission: SubmissionReport = { accepted: [], refused: [], resent: 0 };
  const keyPrefix = `rel-${randomBytes(6).toString('hex')}`;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const url = `${apiUrls[i % apiUrls.length]}/api/v1/tasks/execute`;
      let answer = await postJson(url, auth, body(i), `${keyPrefix}-${i}`);
      for (let resend = 0; answer.status === 0 && resend < RESENDS; resend++) {
        submission.resent++;
        answer = await postJson(url, auth, body(i), `${keyPrefix}-${i}`);
      }
      if (answer.status === 202) submission.accepted.push(JSON.parse(answer.body).execution_id);
      else submission.refused.push(answer);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return submission;
}

export async function submitOne(apiUrl: string, auth: string, body: ExecuteBody): Promise<string> {
  const answer = await postJson(`${apiUrl}/api/v1/tasks/execute`, auth, body);
  if (answer.status !== 202) throw new Error(`execute answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body).execution_id;
}

function postJson(url: string, auth: string, payload: unknown, idempotencyKey?: string): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(payload);
  const headers: Record<string, string | number> = {
    Authorization: auth,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
  };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer in 60 s')));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', (error) => resolve({ status: 0, body: error.message }));
    });
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.end(data);
  });
}
