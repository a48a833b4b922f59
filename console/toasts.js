// @ts-check
// Toasts, so any module can report without prop drilling.
import { html } from './html.js';
import { errorText } from './format.js';
import { createStore, useStore } from './store.js';

/** @typedef {'info' | 'success' | 'error'} ToastKind */
/** @typedef {{ id: number, message: string, kind: ToastKind }} Toast */

/** @type {import('./store.js').Store<Toast[]>} */
const toasts = createStore(/** @type {Toast[]} */ ([]));
let nextToastId = 1;
/** @param {number} id */
const dismiss = (id) => toasts.set(toasts.get().filter((item) => item.id !== id));

/**
 * @param {string} message
 * @param {ToastKind} [kind]
 */
export function toast(message, kind = 'info') {
  const id = nextToastId++;
  toasts.set([...toasts.get().slice(-4), { id, message, kind }]);
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

/** @param {unknown} error */
export const toastError = (error) => toast(errorText(error), 'error');

export function Toasts() {
  return html`<div class="toasts" aria-live="polite">
    ${useStore(toasts).map(
      (item) =>
        html`<div
          key=${item.id}
          class=${`toast toast-${item.kind}`}
          data-testid="toast"
          role=${item.kind === 'error' ? 'alert' : 'status'}
          onClick=${() => dismiss(item.id)}
        >
          ${item.message}
        </div>`,
    )}
  </div>`;
}

/**
 * Runs a button's action: success toast, or the API's error as a toast. Returns the result or undefined.
 * @template T
 * @param {() => Promise<T>} action
 * @param {string} [success]
 * @returns {Promise<T | undefined>}
 */
export async function attempt(action, success) {
  try {
    const result = await action();
    if (success) toast(success, 'success');
    return result;
  } catch (error) {
    toastError(error);
    return undefined;
  }
}
