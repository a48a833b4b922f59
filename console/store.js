// @ts-check
// A value shared by modules and components, with no state library: `store.set(value)` anywhere,
// `useStore(store)` in a component re-renders it on each change.
import { useEffect, useState } from 'preact/hooks';

/**
 * @template T
 * @typedef {object} Store
 * @property {() => T} get
 * @property {(next: T) => void} set
 * @property {(listener: (value: T) => void) => () => void} listen returns the function that stops listening
 */

/**
 * @template T
 * @param {T} value
 * @returns {Store<T>}
 */
export function createStore(value) {
  /** @type {Set<(value: T) => void>} */
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

/**
 * @template T
 * @param {Store<T>} store
 * @returns {T}
 */
export function useStore(store) {
  const [value, setValue] = useState(store.get);
  useEffect(() => store.listen(setValue), [store]);
  return value;
}
