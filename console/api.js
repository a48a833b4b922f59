// @ts-check
// The REST client: bearer token from sessionStorage, JSON in and out, API errors as ApiError.

const TOKEN_KEY = 'taskgate.token';
const BASE = '/api/v1';

export const getToken = () => sessionStorage.getItem(TOKEN_KEY);
/** @param {string} token */
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  cache.clear();
}

export class ApiError extends Error {
  /**
   * @param {number} status 0 when the gateway could not be reached
   * @param {{ message?: unknown, error?: unknown } | null} body the API's error body
   */
  constructor(status, body) {
    const message = body?.message ?? `HTTP ${status}`;
    super(Array.isArray(message) ? message.join('; ') : String(message));
    this.status = status;
    this.messages = Array.isArray(message) ? message : [String(message)];
    this.error = body?.error;
  }
}

/** @type {(message: string) => void} */
let unauthorizedHandler = () => {};

/**
 * Called once with the app's "show sign-in again" callback.
 * @param {(message: string) => void} handler
 */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * Drops empty values so filters left blank do not reach the query string.
 * @param {Record<string, unknown>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * `api('/executions')`, `api('/tasks/execute', {method: 'POST', body})`.
 * With an explicit `token` (the sign-in check) a 401 is only thrown, not treated as a lost session.
 * Resolves to the parsed JSON body, typed by the caller (see types.js); rejects with an `ApiError`.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, token?: string }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, { method = 'GET', body, token } = {}) {
  const secret = token ?? getToken();
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${secret}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { message: 'Could not reach the gateway. Is it running?' });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text.slice(0, 200) };
  }
  if (response.ok) return data;
  const error = new ApiError(response.status, data);
  if (response.status === 401 && token === undefined) {
    clearToken();
    unauthorizedHandler('Your session ended (the token was refused). Sign in again.');
  }
  throw error;
}

/** @type {Map<string, Promise<any>>} */
const cache = new Map();

/**
 * GET once per session; for lists that rarely change (task catalog, principals).
 * @param {string} path
 */
export function cached(path) {
  let promise = cache.get(path);
  if (!promise) {
    promise = api(path);
    promise.catch(() => cache.delete(path));
    cache.set(path, promise);
  }
  return promise;
}

/** @param {string} path */
export function forget(path) {
  cache.delete(path);
}
