// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { ErrorNote } from '../components.js';
import { toast } from '../toasts.js';

/** @typedef {import('../types.js').Execution} Execution */
/** @typedef {'cancel' | 'retry'} BulkAction */
/**
 * @typedef {object} Plan what a confirmation is about, counted before anything changes
 * @property {BulkAction} action
 * @property {'selected' | 'matching'} scope
 * @property {number} matched
 * @property {number} affected
 * @property {Execution[]} [rows] the selected rows that can take the action (scope "selected")
 */

const CANCELLABLE = ['awaiting_approval', 'pending', 'running'];
const RETRYABLE = ['failed', 'cancelled', 'timeout'];
/** Selected rows are acted on a few at a time: the gateway's own rate limit then paces them, not the browser. */
const PARALLEL = 4;

const VERB = { cancel: 'cancelled', retry: 'retried' };

/**
 * Cancel or retry the selected rows (one request each) or everything matching the filters (one bulk
 * request): either way the count comes first, from a dry run for the filters, and nothing changes
 * until it is confirmed.
 * @param {{ selected: Execution[], filter: Record<string, string>, canRetry: (row: Execution) => boolean,
 *   onDone: () => void, onClear: () => void }} props
 */
export function BulkActions({ selected, filter, canRetry, onDone, onClear }) {
  const [plan, setPlan] = useState(/** @type {Plan | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {unknown} */ (null));

  /** @param {BulkAction} action */
  const planSelected = (action) => {
    const rows = selected.filter((row) =>
      action === 'cancel' ? CANCELLABLE.includes(row.status) : RETRYABLE.includes(row.status) && canRetry(row),
    );
    setPlan({ action, scope: 'selected', matched: selected.length, affected: rows.length, rows });
  };
  /** @param {BulkAction} action */
  const planMatching = async (action) => {
    setError(null);
    setBusy(true);
    try {
      /** @type {import('../types.js').BulkResult} */
      const dry = await api(`/executions/${action}`, { method: 'POST', body: { filter, dry_run: true } });
      setPlan({ action, scope: 'matching', matched: dry.matched, affected: dry.affected });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const confirm = async () => {
    if (!plan) return;
    setBusy(true);
    setError(null);
    try {
      const done = plan.scope === 'matching' ? await actOnMatching(plan.action, filter) : await actOnRows(plan.action, plan.rows ?? []);
      toast(`${done} execution${done === 1 ? '' : 's'} ${VERB[plan.action]}`, 'success');
      setPlan(null);
      onClear();
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (plan) {
    const what = plan.scope === 'selected' ? 'selected' : 'matching the filters';
    return html`<div class="card bulk-bar confirm" data-testid="bulk-confirm" data-affected=${plan.affected}>
      <span data-testid="bulk-count">
        <strong>${plan.affected}</strong> of ${plan.matched} execution${plan.matched === 1 ? '' : 's'} ${what} can be ${VERB[plan.action]}.
        ${plan.affected < plan.matched && html`<span class="muted">The others are not in a state for it, or you may not run their task.</span>`}
      </span>
      <span class="actions">
        <button
          type="button"
          class=${plan.action === 'cancel' ? 'warn' : 'primary'}
          data-testid="bulk-confirm-button"
          disabled=${busy || plan.affected === 0}
          onClick=${confirm}
        >
          ${plan.action === 'cancel' ? 'Cancel' : 'Retry'} ${plan.affected}
        </button>
        <button type="button" class="ghost" data-testid="bulk-back" disabled=${busy} onClick=${() => setPlan(null)}>Back</button>
      </span>
      <${ErrorNote} error=${error} />
    </div>`;
  }
  return html`<div class="card bulk-bar" data-testid="bulk-bar">
    ${
      selected.length > 0
        ? html`<span><strong data-testid="selected-count">${selected.length}</strong> selected</span>
            <button type="button" class="warn small" data-testid="cancel-selected" onClick=${() => planSelected('cancel')}>
              Cancel selected…
            </button>
            <button type="button" class="small" data-testid="retry-selected" onClick=${() => planSelected('retry')}>Retry selected…</button>
            <button type="button" class="ghost small" data-testid="clear-selection" onClick=${onClear}>Clear selection</button>`
        : html`<span class="muted">Select executions, or act on everything matching the filters:</span>`
    }
    <span class="actions">
      <button type="button" class="ghost small" data-testid="cancel-matching" disabled=${busy} onClick=${() => planMatching('cancel')}>
        Cancel all matching…
      </button>
      <button type="button" class="ghost small" data-testid="retry-matching" disabled=${busy} onClick=${() => planMatching('retry')}>
        Retry all matching…
      </button>
    </span>
    <${ErrorNote} error=${error} />
  </div>`;
}

/**
 * @param {BulkAction} action
 * @param {Record<string, string>} filter
 */
async function actOnMatching(action, filter) {
  /** @type {import('../types.js').BulkResult} */
  const result = await api(`/executions/${action}`, { method: 'POST', body: { filter } });
  return result.affected;
}

/**
 * One request per row; a row that moved on meanwhile (409) or went away (404) is skipped, not an error.
 * @param {BulkAction} action
 * @param {Execution[]} rows
 */
async function actOnRows(action, rows) {
  let done = 0;
  const queue = [...rows];
  const next = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      try {
        await api(`/executions/${row.id}/${action}`, { method: 'POST' });
        done++;
      } catch (error) {
        const status = /** @type {{ status?: number }} */ (error).status;
        if (status !== 409 && status !== 404) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, rows.length) }, next));
  return done;
}
