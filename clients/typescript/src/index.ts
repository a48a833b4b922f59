import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';
import type { TaskKwargs, TaskName } from './tasks.js';

export type { components, paths } from './schema.js';
export type { TaskKwargs, TaskName } from './tasks.js';

type Schemas = components['schemas'];
export type Execution = Schemas['ExecutionDto'];
export type ExecutionAccepted = Schemas['ExecutionAcceptedDto'];
export type ExecutionPage = Schemas['ExecutionPageDto'];
export type ErrorBody = Schemas['ErrorBody'];
/** The filters, order and paging of `GET /api/v1/executions`. */
export type ExecutionFilter = NonNullable<paths['/api/v1/executions']['get']['parameters']['query']>;

export interface ExecuteOptions extends Omit<Schemas['ExecuteTaskDto'], 'task_name' | 'kwargs'> {
  /** Hold the answer up to this many seconds (1-60) for the execution to end. */
  wait?: number;
  /** Same key and body within 24 h → the same execution. */
  idempotencyKey?: string;
}

/** What `execute` answers: the whole record if the execution ended within `wait`, else the acceptance. */
export type ExecuteResult =
  { execution_id: string; ended: true; execution: Execution } | { execution_id: string; ended: false; accepted: ExecutionAccepted };

export interface TaskgateClientOptions {
  /** Where the gateway is, without `/api/v1`: `http://localhost:3000`. */
  baseUrl: string;
  /** An API token (`tgw_…`). */
  token: string;
  /** A `fetch` of your own (tests, proxies, retries); the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Any answer outside 2xx, with the API's error body (`{statusCode, error, message}`). */
export class TaskgateError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(`${status} ${body.error}: ${Array.isArray(body.message) ? body.message.join('; ') : body.message}`);
    this.name = 'TaskgateError';
  }
}

export interface TaskgateClient {
  /** Runs `task` with `kwargs`: `202`, or `200` with the record when it ends within `options.wait` seconds. */
  execute<T extends TaskName>(task: T, kwargs: TaskKwargs[T], options?: ExecuteOptions): Promise<ExecuteResult>;
  /** One execution; with `wait`, answered as soon as it ends or with the current record after `wait` seconds. */
  get(id: string, options?: { wait?: number }): Promise<Execution>;
  /** A page of the executions the token may see (`next_cursor` for the next one). */
  list(filter?: ExecutionFilter): Promise<ExecutionPage>;
  /** The openapi-fetch client under these, typed for every route of the document. */
  api: Client<paths>;
}

export function createTaskgateClient(options: TaskgateClientOptions): TaskgateClient {
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { Authorization: `Bearer ${options.token}` },
    fetch: options.fetch,
    querySerializer: { array: { style: 'form', explode: false } }, // status=failed,timeout, as the API documents it
  });
  return {
    api,
    async execute(task, kwargs, { wait, idempotencyKey, ...fields } = {}) {
      const { data, error, response } = await api.POST('/api/v1/tasks/execute', {
        params: { query: { wait }, header: { 'Idempotency-Key': idempotencyKey } },
        body: { ...fields, task_name: task, kwargs },
      });
      if (!data) throw toError(response, error);
      return 'execution_id' in data
        ? { execution_id: data.execution_id, ended: false, accepted: data }
        : { execution_id: data.id, ended: true, execution: data };
    },
    async get(id, { wait } = {}) {
      const { data, error, response } = await api.GET('/api/v1/executions/{id}', { params: { path: { id }, query: { wait } } });
      if (!data) throw toError(response, error);
      return data;
    },
    async list(filter = {}) {
      const { data, error, response } = await api.GET('/api/v1/executions', { params: { query: filter } });
      if (!data) throw toError(response, error);
      return data;
    },
  };
}

/** The API's error body, or one made from the status when something else (a proxy) answered. */
function toError(response: Response, error: unknown): TaskgateError {
  if (typeof error === 'object' && error !== null && 'statusCode' in error && 'message' in error) {
    return new TaskgateError(response.status, error as ErrorBody);
  }
  const message = typeof error === 'string' ? error : JSON.stringify(error ?? null);
  return new TaskgateError(response.status, { statusCode: response.status, error: response.statusText, message });
}
