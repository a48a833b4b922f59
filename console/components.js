// Small pieces shared by the pages: toasts, badges, progress, copy buttons, data loading hooks.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { dateTime, errorText, prettyJson, relativeTime } from './format.js';

/** A value shared by modules and components: `store.set(value)`; `useStore(store)` re-renders on change. */
export function createStore(value) {
  const listeners = new Set();
  return {
    get: () => value,
    set(next) {
      value = next;
      listeners.forEach((listener) => listener(value));
    },
    listen: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
  };
}

export function useStore(store) {
  const [value, setValue] = useState(store.get);
  useEffect(() => store.listen(setValue), [store]);
  return value;
}

// ---- toasts, so any module can report without prop drilling
const toasts = createStore([]);
let nextToastId = 1;
const dismiss = (id) => toasts.set(toasts.get().filter((item) => item.id !== id));

export function toast(message, kind = 'info') {
  const id = nextToastId++;
  toasts.set([...toasts.get().slice(-4), { id, message, kind }]);
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

export const toastError = (error) => toast(errorText(error), 'error');

export function Toasts() {
  return html`<div class="toasts" aria-live="polite">
    ${useStore(toasts).map((item) => html`<div key=${item.id} class=${`toast toast-${item.kind}`} data-testid="toast"
      role=${item.kind === 'error' ? 'alert' : 'status'} onClick=${() => dismiss(item.id)}>${item.message}</div>`)}
  </div>`;
}

/** Runs a button's action: success toast, or the API's error as a toast. Returns the result or undefined. */
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

// ---- data loading
/** Loads on mount and when `deps` change; `reload(true)` refreshes without the loading state. */
export function useAsync(load, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const latest = useRef(0);
  const reload = useCallback(async (quiet = false) => {
    const mine = ++latest.current;
    if (!quiet) setState((current) => ({ ...current, loading: true }));
    try {
      const data = await load();
      if (mine === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === latest.current) setState((current) => ({ ...current, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  const setData = useCallback((update) => setState((current) => ({ ...current, data: update(current.data) })), []);
  return { ...state, reload, setData };
}

/** Calls `tick` every `ms` while the tab is visible, and once when it becomes visible again. */
export function usePolling(tick, ms) {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    const run = () => document.visibilityState === 'visible' && latest.current();
    const timer = setInterval(run, ms);
    document.addEventListener('visibilitychange', run);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', run);
    };
  }, [ms]);
}

/** Form state: `<input ...${bind('name')} />`, or `bind('flag', true)` for a checkbox. */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const bind = (name, checkbox = false) => {
    const set = (value) => setValues((current) => ({ ...current, [name]: value }));
    return checkbox
      ? { checked: values[name], onChange: (event) => set(event.currentTarget.checked) }
      : { value: values[name], onInput: (event) => set(event.currentTarget.value) };
  };
  return [values, bind, setValues];
}

// ---- display pieces
export function ErrorNote({ error }) {
  return error ? html`<div class="error-note" role="alert">${errorText(error)}</div>` : null;
}

export function Loading({ what = '' }) {
  return html`<div class="muted loading">Loading${what ? ` ${what}` : ''}…</div>`;
}

export function StatusBadge({ status, testid }) {
  return html`<span class=${`badge status-${status}`} data-testid=${testid}>${status}</span>`;
}

export function ProgressBar({ value, testid, thin }) {
  const percent = Math.max(0, Math.min(100, Number(value) || 0));
  return html`<div class=${thin ? 'progress thin' : 'progress'} role="progressbar" aria-valuemin="0" aria-valuemax="100"
    aria-valuenow=${percent} data-testid=${testid}><div class="progress-fill" style=${`width:${percent}%`}></div></div>`;
}

export function RelTime({ iso }) {
  return iso ? html`<time datetime=${iso} title=${`${iso} (${dateTime(iso)})`}>${relativeTime(iso)}</time>` : html`<span class="muted">—</span>`;
}

export function Chips({ items, empty = '—' }) {
  if (!items?.length) return html`<span class="muted">${empty}</span>`;
  return html`<span class="chips">${items.map((item) => html`<span class="chip" key=${item}>${item}</span>`)}</span>`;
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // The async clipboard needs a secure context; plain http on a LAN address falls back to execCommand.
    const area = Object.assign(document.createElement('textarea'), { value: text });
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  toast('Copied to the clipboard', 'success');
}

export function CopyButton({ text, label = 'Copy' }) {
  return html`<button type="button" class="small ghost" onClick=${() => copyText(text)}>${label}</button>`;
}

/** A titled pre block (JSON or text) with a Copy button. */
export function Block({ title, value, testid, json = true }) {
  const text = json ? prettyJson(value) : String(value);
  return html`<section class="block">
    <header><h3>${title}</h3><${CopyButton} text=${text} /></header>
    <pre data-testid=${testid}>${text}</pre>
  </section>`;
}

export function Pager({ hasPrevious, hasNext, onPrevious, onNext, page }) {
  return html`<div class="pager">
    <button type="button" class="ghost" data-testid="prev-page" disabled=${!hasPrevious} onClick=${onPrevious}>← Previous</button>
    <span class="muted">Page ${page}</span>
    <button type="button" class="ghost" data-testid="next-page" disabled=${!hasNext} onClick=${onNext}>Next →</button>
  </div>`;
}

export function NotAvailable() {
  return html`<div class="empty" data-testid="not-available"><h2>This page is for admins</h2>
    <p class="muted">Your token does not carry admin rights. <a href="#/executions">Back to executions</a></p></div>`;
}
