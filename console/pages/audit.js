// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, query } from '../api.js';
import { ErrorNote, Loading, Pager, RelTime } from '../components.js';
import { useAsync, useForm } from '../hooks.js';
import { compactJson, localInputToIso, shortId } from '../format.js';

/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */
/** @typedef {import('../types.js').AuditEvent} AuditEvent */

const ACTIONS = [
  'execution.execute',
  'execution.execute_denied',
  'execution.cancel',
  'execution.retry',
  'execution.delete',
  'execution.update',
  'execution.approve',
  'execution.reject',
  'execution.approval_timeout',
  'token.create',
  'token.revoke',
  'principal.create',
  'principal.update',
  'group.create',
  'group.delete',
  'group.add_member',
  'group.remove_member',
  'grant.create',
  'grant.update',
  'grant.delete',
];
const EMPTY = { actor: '', action: '', after: '', before: '' };

export function AuditPage() {
  const [draft, bind, setDraft] = useForm(EMPTY); // applied on submit, so typing does not send a request per key
  const [filters, setFilters] = useState(EMPTY);
  const [cursors, setCursors] = useState(/** @type {(string | null)[]} */ ([null]));
  const cursor = cursors[cursors.length - 1];
  const search = {
    actor: filters.actor.trim(),
    action: filters.action,
    limit: 50,
    cursor,
    after: localInputToIso(filters.after),
    before: localInputToIso(filters.before),
  };
  /** @type {import('../hooks.js').Async<import('../types.js').Page<AuditEvent>>} */
  const page = useAsync(() => api('/admin/audit' + query(search)), [filters, cursor]);
  /** @param {typeof EMPTY} next */
  const apply = (next) => {
    setDraft(next);
    setFilters(next);
    setCursors([null]);
  };

  const items = page.data?.items ?? [];
  return html`<div class="page">
    <div class="page-head">
      <h1>Audit log</h1>
      <span class="muted">who did what, newest first</span>
    </div>
    <form class="card inline-form" onSubmit=${(/** @type {Event} */ event) => (event.preventDefault(), apply(draft))}>
      <label>Actor <input name="actor" placeholder="principal name" ...${bind('actor')} /></label>
      <label
        >Action
        <select
          name="action"
          data-testid="audit-action"
          value=${draft.action}
          onChange=${(/** @type {FieldEvent} */ event) => apply({ ...draft, action: event.currentTarget.value })}
        >
          <option value="">All actions</option>
          ${ACTIONS.map((action) => html`<option key=${action} value=${action}>${action}</option>`)}
        </select>
      </label>
      <label>After <input type="datetime-local" name="after" ...${bind('after')} /></label>
      <label>Before <input type="datetime-local" name="before" ...${bind('before')} /></label>
      <button type="submit" class="primary">Filter</button>
      <button type="button" class="ghost" onClick=${() => apply(EMPTY)}>Clear</button>
    </form>
    <${ErrorNote} error=${page.error} />
    ${
      !page.data
        ? html`<${Loading} what="the audit log" />`
        : html`<div class="card table-card">
            <table class="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Actor</th>
                  <th>Action</th>
                  <th>Target</th>
                  <th>Client</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                ${items.map(
                  (item) =>
                    html`<tr key=${item.id} data-testid="audit-row" data-action=${item.action}>
                      <td><${RelTime} iso=${item.occurred_at} /></td>
                      <td>${item.actor_name ?? html`<span class="muted">${shortId(item.actor_id) || '—'}</span>`}</td>
                      <td><span class=${`badge action ${item.action.endsWith('denied') ? 'no' : ''}`}>${item.action}</span></td>
                      <td>${item.target_type ? html`${item.target_type} <${Target} item=${item} />` : '—'}</td>
                      <td><code class="tiny">${item.client_address ?? '—'}</code></td>
                      <td class="details" title=${item.details ? JSON.stringify(item.details, null, 2) : ''}>
                        <code>${compactJson(item.details, 90)}</code>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${items.length === 0 && html`<div class="empty small">No audit events match.</div>`}
          </div>`
    }
    <${Pager}
      page=${cursors.length}
      hasPrevious=${cursors.length > 1}
      hasNext=${Boolean(page.data?.next_cursor)}
      onPrevious=${() => setCursors(cursors.slice(0, -1))}
      onNext=${() => setCursors([...cursors, page.data?.next_cursor ?? null])}
    />
  </div>`;
}

/** @param {{ item: AuditEvent }} props */
function Target({ item }) {
  if (!item.target_id) return null;
  if (item.target_type === 'execution')
    return html`<a href=${`#/executions/${item.target_id}`}><code>${shortId(item.target_id)}</code></a>`;
  return html`<code title=${item.target_id}>${shortId(item.target_id)}</code>`;
}
