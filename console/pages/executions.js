// @ts-check
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, cached, query } from '../api.js';
import { useLive } from '../live.js';
import { ErrorNote, Loading, Pager, ProgressBar, RelTime, StatusBadge } from '../components.js';
import { useAsync, usePolling } from '../hooks.js';
import { toastError } from '../toasts.js';
import { COUNTED_STATUSES, duration, isTerminal, localInputToIso, shortId, STATUSES } from '../format.js';
import { BulkActions } from './bulk-actions.js';

/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */
/** @typedef {import('../types.js').Execution} Execution */
/** @typedef {import('../types.js').ExecutionStatus} ExecutionStatus */
/** @template T @typedef {import('../hooks.js').Async<T>} Async */
/**
 * @typedef {object} Filters
 * @property {ExecutionStatus[]} statuses
 * @property {string} task
 * @property {string} owner
 * @property {string} after
 * @property {string} before
 * @property {number | string} limit a string once picked in the select
 */

const PAGE_SIZES = [10, 25, 50, 100];
/** @type {Filters} */
const EMPTY_FILTERS = { statuses: [], task: '', owner: '', after: '', before: '', limit: 25 };

// Kept outside the component so filters and the page survive a visit to a detail page and back.
/** @type {{ filters: Filters, cursors: (string | null)[] }} */
const remembered = { filters: EMPTY_FILTERS, cursors: [null] };

/**
 * Opens the list on one task's executions (the statistics page links here).
 * @param {string} taskName
 */
export function showExecutionsOf(taskName) {
  Object.assign(remembered, { filters: { ...EMPTY_FILTERS, task: taskName }, cursors: [null] });
}

/** @param {{ me: import('../types.js').Me }} props */
export function ExecutionsPage({ me }) {
  const isAdmin = me.principal.is_admin;
  const [filters, setFilters] = useState(remembered.filters);
  // A stack of the cursors that led to each page; the last one is the page shown ("previous" pops).
  const [cursors, setCursors] = useState(remembered.cursors);
  useEffect(() => void Object.assign(remembered, { filters, cursors }), [filters, cursors]);
  const cursor = cursors[cursors.length - 1];

  /** @type {Async<import('../types.js').TaskCatalogEntry[]>} */
  const catalog = useAsync(() => cached('/tasks/catalog'), []);
  /** @type {Async<import('../types.js').AdminPrincipal[]>} */
  const principals = useAsync(() => (isAdmin ? cached('/admin/principals') : Promise.resolve([])), [isAdmin]);
  /** @type {Async<import('../types.js').ExecutionStatistics>} */
  const stats = useAsync(() => api('/executions/statistics'), []);
  const search = {
    status: filters.statuses.join(','),
    task_name: filters.task,
    owner: filters.owner,
    limit: filters.limit,
    cursor,
    created_after: localInputToIso(filters.after),
    created_before: localInputToIso(filters.before),
  };
  /** @type {Async<import('../types.js').Page<Execution>>} */
  const list = useAsync(() => api('/executions' + query(search)), [filters, cursor]);
  usePolling(() => (list.reload(true), stats.reload(true)), 5000);
  const [selectedIds, setSelectedIds] = useState(/** @type {Set<string>} */ (new Set()));
  useEffect(() => setSelectedIds(new Set()), [filters, cursor]);

  const rows = list.data?.items ?? [];
  const selected = rows.filter((row) => selectedIds.has(row.id));
  /** @param {string} id */
  const toggleSelected = (id) => {
    const next = new Set(selectedIds);
    if (!next.delete(id)) next.add(id);
    setSelectedIds(next);
  };
  const allSelected = rows.length > 0 && selected.length === rows.length;
  const toggleAll = () => setSelectedIds(new Set(allSelected ? [] : rows.map((row) => row.id)));
  const runnable = new Set((catalog.data ?? []).filter((task) => task.can_execute).map((task) => task.task_name));
  /** The bulk routes take the list's filters without paging. @type {Record<string, string>} */
  const bulkFilter = Object.fromEntries(
    Object.entries({
      status: search.status,
      task_name: search.task_name,
      owner: search.owner,
      created_after: search.created_after,
      created_before: search.created_before,
    }).filter(([, value]) => value),
  );
  /** @param {Execution} fresh */
  const replaceRow = (fresh) =>
    list.setData((data) => data && { ...data, items: data.items.map((row) => (row.id === fresh.id ? fresh : row)) });
  useLive(
    rows.filter((row) => !isTerminal(row.status)).map((row) => row.id),
    (update) => {
      const { execution_id: id, status, progress, stage, message } = update;
      list.setData(
        (data) => data && { ...data, items: data.items.map((row) => (row.id === id ? { ...row, status, progress, stage, message } : row)) },
      );
      if (isTerminal(status)) api(`/executions/${id}`).then(replaceRow, toastError);
    },
  );

  /** @param {Partial<Filters>} patch */
  const change = (patch) => {
    setFilters({ ...filters, ...patch });
    setCursors([null]);
  };
  /** @param {ExecutionStatus} status */
  const toggleStatus = (status) =>
    change({
      statuses: filters.statuses.includes(status) ? filters.statuses.filter((item) => item !== status) : [...filters.statuses, status],
    });
  /** @param {'task' | 'owner' | 'after' | 'before' | 'limit'} key */
  const bind = (key) => ({
    value: filters[key],
    onChange: (/** @type {FieldEvent} */ event) => change({ [key]: event.currentTarget.value }),
  });
  const ownerNames = new Map((principals.data ?? []).map((principal) => [principal.id, principal.name]));
  /** @param {string} id */
  const ownerName = (id) => (isAdmin ? (ownerNames.get(id) ?? shortId(id)) : 'you');
  const taskNames = (catalog.data ?? []).map((task) => task.task_name).sort();

  return html`<div class="page">
    <div class="page-head"><h1>Executions</h1></div>
    <${StatusCounts}
      stats=${stats.data}
      selected=${filters.statuses}
      onPick=${(/** @type {ExecutionStatus | null} */ status) => change({ statuses: status ? [status] : [] })}
    />
    <div class="filters card">
      <div class="chip-toggles" role="group" aria-label="Status">
        ${STATUSES.map(
          (status) =>
            html`<label key=${status} class=${`chip-toggle status-${status} ${filters.statuses.includes(status) ? 'on' : ''}`}>
              <input
                type="checkbox"
                data-testid=${`filter-status-${status}`}
                checked=${filters.statuses.includes(status)}
                onChange=${() => toggleStatus(status)}
              />
              ${status}</label
            >`,
        )}
      </div>
      <div class="filter-fields">
        <label
          >Task
          <select data-testid="filter-task" ...${bind('task')}>
            <option value="">All tasks</option>
            ${taskNames.map((name) => html`<option key=${name} value=${name}>${name}</option>`)}
          </select></label
        >
        ${
          isAdmin &&
          html`<label
            >Owner
            <select data-testid="filter-owner" ...${bind('owner')}>
              <option value="">Everyone</option>
              ${(principals.data ?? []).map((principal) => html`<option key=${principal.id} value=${principal.id}>${principal.name}</option>`)}
            </select></label
          >`
        }
        <label>Created after <input type="datetime-local" ...${bind('after')} /></label>
        <label>Created before <input type="datetime-local" ...${bind('before')} /></label>
        <label
          >Per page
          <select ...${bind('limit')}>
            ${PAGE_SIZES.map((size) => html`<option key=${size} value=${size}>${size}</option>`)}
          </select></label
        >
        <button type="button" class="ghost" onClick=${() => change(EMPTY_FILTERS)}>Clear filters</button>
      </div>
    </div>
    <${BulkActions}
      selected=${selected}
      filter=${bulkFilter}
      canRetry=${(/** @type {Execution} */ row) => runnable.has(row.task_name)}
      onDone=${() => (list.reload(true), stats.reload(true))}
      onClear=${() => setSelectedIds(new Set())}
    />
    <${ErrorNote} error=${list.error} />
    ${
      list.loading && !list.data
        ? html`<${Loading} what="executions" />`
        : html`<div class="card table-card">
            <table class="table clickable" data-testid="executions-table">
              <thead>
                <tr>
                  <th class="select-cell">
                    <input
                      type="checkbox"
                      aria-label="Select all on this page"
                      data-testid="select-all"
                      checked=${allSelected}
                      onChange=${toggleAll}
                    />
                  </th>
                  <th>Status</th>
                  <th>Task</th>
                  <th>Owner</th>
                  <th>Created</th>
                  <th class="num">Duration</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (row) =>
                    html`<${ExecutionRow}
                      key=${row.id}
                      row=${row}
                      owner=${ownerName(row.owner_id)}
                      selected=${selectedIds.has(row.id)}
                      onToggle=${() => toggleSelected(row.id)}
                    />`,
                )}
              </tbody>
            </table>
            ${rows.length === 0 && html`<div class="empty small">No executions match these filters.</div>`}
          </div>`
    }
    <${Pager}
      page=${cursors.length}
      hasPrevious=${cursors.length > 1}
      hasNext=${Boolean(list.data?.next_cursor)}
      onPrevious=${() => setCursors(cursors.slice(0, -1))}
      onNext=${() => setCursors([...cursors, list.data?.next_cursor ?? null])}
    />
  </div>`;
}

/** @param {{ row: Execution, owner: string, selected: boolean, onToggle: () => void }} props */
function ExecutionRow({ row, owner, selected, onToggle }) {
  const open = () => (location.hash = `#/executions/${row.id}`);
  const elapsed = row.duration_ms ?? (row.started_at && !isTerminal(row.status) ? Date.now() - new Date(row.started_at).getTime() : null);
  return html`<tr data-testid="execution-row" data-execution-id=${row.id} data-status=${row.status} onClick=${open}>
    <td class="select-cell" onClick=${(/** @type {Event} */ event) => event.stopPropagation()}>
      <input type="checkbox" aria-label="Select" data-testid="select-row" checked=${selected} onChange=${onToggle} />
    </td>
    <td class="status-cell">
      <${StatusBadge} status=${row.status} testid="status" />
      ${
        row.status === 'running' &&
        html`<div class="row-progress">
          <${ProgressBar} value=${row.progress} thin /><span data-testid="progress">${row.progress ?? 0}%</span>
        </div>`
      }
    </td>
    <td>
      <a href=${`#/executions/${row.id}`} class="task-link">${row.task_name}</a>
      <div class="muted tiny">
        ${[shortId(row.id), !isTerminal(row.status) && [row.stage, row.message].filter(Boolean).join(': ')].filter(Boolean).join(' · ')}
      </div>
    </td>
    <td>${owner}</td>
    <td><${RelTime} iso=${row.created_at} /></td>
    <td class="num">
      ${row.duration_ms === null && elapsed !== null ? html`<span class="muted">${duration(elapsed)}…</span>` : duration(elapsed)}
    </td>
  </tr>`;
}

/**
 * @param {{ stats: import('../types.js').ExecutionStatistics | undefined, selected: ExecutionStatus[],
 *   onPick: (status: ExecutionStatus | null) => void }} props
 */
function StatusCounts({ stats, selected, onPick }) {
  if (!stats) return html`<div class="counts"></div>`;
  const only = selected.length === 1 ? selected[0] : null;
  return html`<div class="counts">
    <button type="button" class=${`count ${selected.length === 0 ? 'on' : ''}`} onClick=${() => onPick(null)}>
      <span class="count-value">${stats.total}</span><span class="count-label">total</span>
    </button>
    ${COUNTED_STATUSES.map(
      (status) =>
        html`<button
          type="button"
          key=${status}
          class=${`count status-${status} ${only === status ? 'on' : ''}`}
          onClick=${() => onPick(only === status ? null : status)}
        >
          <span class="count-value">${stats[status] ?? 0}</span><span class="count-label">${status}</span>
        </button>`,
    )}
  </div>`;
}
