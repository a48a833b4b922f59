// @ts-check
// Hooks the pages share: data loading, polling, form state.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * An input's or a select's event: `bind` serves both, and both have a `value`.
 * @typedef {import('preact').TargetedEvent<HTMLInputElement>} FieldEvent
 */

/**
 * @template T
 * @typedef {object} AsyncState
 * @property {T | undefined} data kept through later errors and reloads
 * @property {unknown} error the last load's failure, usually an `ApiError`
 * @property {boolean} loading
 */

/**
 * @template T
 * @typedef {AsyncState<T> & {
 *   reload: (quiet?: boolean) => Promise<void>,
 *   setData: (update: (data: T | undefined) => T | undefined) => void,
 * }} Async
 */

/**
 * Loads on mount and when `deps` change; `reload(true)` refreshes without the loading state.
 * @template T
 * @param {() => Promise<T>} load
 * @param {ReadonlyArray<unknown>} deps
 * @returns {Async<T>}
 */
export function useAsync(load, deps) {
  const [state, setState] = useState(/** @type {AsyncState<T>} */ ({ data: undefined, error: null, loading: true }));
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
  const setData = useCallback(
    /** @param {(data: T | undefined) => T | undefined} update */
    (update) => setState((current) => ({ ...current, data: update(current.data) })),
    [],
  );
  return { ...state, reload, setData };
}

/**
 * Calls `tick` every `ms` while the tab is visible, and once when it becomes visible again.
 * @param {() => unknown} tick
 * @param {number} ms
 */
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

/**
 * Form state: `<input ...${bind('name')} />`, or `bind('flag', true)` for a checkbox.
 * @template {Record<string, string | boolean>} V
 * @param {V} initial
 * @returns {[V, (name: keyof V & string, checkbox?: boolean) => object, (values: V) => void]}
 */
export function useForm(initial) {
  const [values, setValues] = useState(initial);
  /** @param {keyof V & string} name */
  const bind = (name, checkbox = false) => {
    /** @param {string | boolean} value */
    const set = (value) => setValues((current) => ({ ...current, [name]: value }));
    return checkbox
      ? { checked: values[name], onChange: (/** @type {FieldEvent} */ event) => set(event.currentTarget.checked) }
      : { value: values[name], onInput: (/** @type {FieldEvent} */ event) => set(event.currentTarget.value) };
  };
  return [values, bind, setValues];
}
