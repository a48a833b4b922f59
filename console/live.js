// @ts-check
// The one WebSocket of a signed-in console: subscriptions counted per execution, re-sent after a reconnect.
import { useEffect, useRef } from 'preact/hooks';
import { api } from './api.js';
import { createStore } from './store.js';
import { toast } from './toasts.js';

/** @typedef {import('./types.js').TaskUpdateMessage} TaskUpdateMessage */
/** @typedef {'open' | 'connecting' | 'reconnecting' | 'closed'} LiveState */

const MAX_SUBSCRIPTIONS = 100; // the server's limit per socket
const MAX_BACKOFF_MS = 30_000;

/** @type {WebSocket | null} */
let socket = null;
/** @type {string | null} */
let token = null;
let backoffMs = 1000;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let retryTimer;
/** For the header's indicator. */
export const liveState = createStore(/** @type {LiveState} */ ('closed'));
/** @type {Map<string, number>} */
const interest = new Map(); // execution id → how many components want its updates
/** @type {Set<(message: TaskUpdateMessage) => void>} */
const updateListeners = new Set();

/** @param {import('./types.js').LiveRequest} message */
function send(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

/** @param {string} secret */
export function connectLive(secret) {
  disconnectLive();
  token = secret;
  open();
}

export function disconnectLive() {
  token = null;
  clearTimeout(retryTimer);
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
  liveState.set('closed'); // `interest` stays: it belongs to the mounted components
}

function open() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // The secret rides in a subprotocol: browsers cannot set headers, and URLs end up in logs.
  const ws = new WebSocket(`${scheme}://${location.host}/api/v1/ws`, ['taskgate', `token.${token}`]);
  let opened = false;
  socket = ws;
  liveState.set('connecting');
  ws.onopen = () => {
    opened = true;
    backoffMs = 1000;
    liveState.set('open');
    for (const id of interest.keys()) send({ type: 'subscribe', execution_id: id });
  };
  ws.onmessage = (event) => {
    /** @type {import('./types.js').LiveMessage} */
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === 'task_update') updateListeners.forEach((listener) => listener(message));
    else if (message.type === 'error') toast(`Live updates: ${message.message}`, 'error');
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    liveState.set('reconnecting');
    // A refused upgrade looks like any other close; asking /me tells whether the token is gone
    // (a 401 there signs the console out, which also closes this connection for good).
    if (!opened) api('/me').catch(() => {});
    retryTimer = setTimeout(() => token && open(), backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  };
}

/** @param {string} id */
function subscribe(id) {
  const count = interest.get(id) ?? 0;
  if (count === 0 && interest.size >= MAX_SUBSCRIPTIONS) return; // polling still covers it
  interest.set(id, count + 1);
  if (count === 0) send({ type: 'subscribe', execution_id: id });
}

/** @param {string} id */
function unsubscribe(id) {
  const count = interest.get(id) ?? 0;
  if (count > 1) interest.set(id, count - 1);
  else if (count === 1) {
    interest.delete(id);
    send({ type: 'unsubscribe', execution_id: id });
  }
}

/**
 * Keeps the socket subscribed to `ids` while the component is mounted; calls `onUpdate(task_update)`.
 * @param {string[]} ids
 * @param {(update: TaskUpdateMessage) => void} onUpdate
 */
export function useLive(ids, onUpdate) {
  const handler = useRef(onUpdate);
  handler.current = onUpdate;
  const subscribed = useRef(/** @type {Set<string>} */ (new Set()));
  const key = [...ids].sort().join(',');

  useEffect(() => {
    const next = new Set(key ? key.split(',') : []);
    for (const id of next) if (!subscribed.current.has(id)) subscribe(id);
    for (const id of subscribed.current) if (!next.has(id)) unsubscribe(id);
    subscribed.current = next;
  }, [key]);

  useEffect(() => {
    /** @param {TaskUpdateMessage} message */
    const listener = (message) => subscribed.current.has(message.execution_id) && handler.current(message);
    updateListeners.add(listener);
    return () => {
      updateListeners.delete(listener);
      subscribed.current.forEach(unsubscribe);
      subscribed.current = new Set();
    };
  }, []);
}
