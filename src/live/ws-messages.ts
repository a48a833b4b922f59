/** What a WebSocket client may send, parsed into Nest's `{event, data}` shape. */
export interface WsInbound {
  event: 'subscribe' | 'unsubscribe' | 'invalid';
  /** The id under either name; the socket's dialect says which one counts. */
  data: { execution_id?: unknown; task_id?: unknown; reason?: string };
}

export function parseWsMessage(raw: unknown): WsInbound {
  let message: unknown;
  try {
    message = JSON.parse(String(raw));
  } catch {
    return { event: 'invalid', data: { reason: 'messages must be JSON' } };
  }
  const type = (message as { type?: unknown })?.type;
  if (type === 'subscribe' || type === 'unsubscribe') {
    const { execution_id, task_id } = message as { execution_id?: unknown; task_id?: unknown };
    return { event: type, data: { execution_id, task_id } };
  }
  return { event: 'invalid', data: { reason: 'type must be "subscribe" or "unsubscribe"' } };
}
