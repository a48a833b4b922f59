// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, query } from '../api.js';
import { ErrorNote, Loading, Pager, RelTime, StatusBadge } from '../components.js';
import { useAsync } from '../hooks.js';
import { attempt } from '../toasts.js';
import { compactJson, shortId } from '../format.js';

/** @typedef {import('../types.js').Execution} Execution */
/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */

/** SPEC 7.11: the executions awaiting the signed-in principal's vote, oldest first, each with approve and reject. */
export function ApprovalsPage() {
  const [cursors, setCursors] = useState(/** @type {(string | null)[]} */ ([null]));
  const cursor = cursors[cursors.length - 1];
  /** @type {import('../hooks.js').Async<import('../types.js').Page<Execution>>} */
  const page = useAsync(() => api('/approvals' + query({ limit: 20, cursor })), [cursor]);
  const items = page.data?.items ?? [];
  return html`<div class="page">
    <div class="page-head">
      <h1>Approvals</h1>
      <span class="muted">executions waiting for your vote, oldest first</span>
    </div>
    <${ErrorNote} error=${page.error} />
    ${
      !page.data
        ? html`<${Loading} what="the executions awaiting your vote" />`
        : html`<div class="card table-card">
            <table class="table" data-testid="approvals-table">
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Requested</th>
                  <th>Deadline</th>
                  <th>Needs</th>
                  <th>kwargs</th>
                  <th>Your vote</th>
                </tr>
              </thead>
              <tbody>
                ${items.map((item) => html`<${ApprovalRow} key=${item.id} item=${item} onVoted=${() => page.reload(true)} />`)}
              </tbody>
            </table>
            ${items.length === 0 && html`<div class="empty small" data-testid="approvals-empty">Nothing awaits your vote.</div>`}
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

/** @param {{ item: Execution, onVoted: () => void }} props */
function ApprovalRow({ item, onVoted }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  /** @param {'approve' | 'reject'} decision */
  const vote = async (decision) => {
    setBusy(true);
    const body = comment.trim() ? { comment: comment.trim() } : {};
    /** @type {Execution | undefined} */
    const updated = await attempt(
      () => api(`/executions/${item.id}/${decision}`, { method: 'POST', body }),
      decision === 'approve' ? 'Approved' : 'Rejected',
    );
    setBusy(false);
    if (updated) onVoted();
  };
  return html`<tr data-testid="approval-row" data-execution-id=${item.id}>
    <td>
      <a href=${`#/executions/${item.id}`}><strong>${item.task_name}</strong></a>
      <div class="muted tiny"><code>${shortId(item.id)}</code> <${StatusBadge} status=${item.status} /></div>
    </td>
    <td><${RelTime} iso=${item.created_at} /></td>
    <td><${RelTime} iso=${item.approval_deadline} /></td>
    <td>
      ${item.approval_required.map(
        (requirement) =>
          html`<div key=${requirement.permission} class="tiny">
            ${requirement.quorum} of <strong>${requirement.group}</strong> <span class="muted">(${requirement.permission})</span>
          </div>`,
      )}
      <div class="muted tiny">${item.approvals.length} vote${item.approvals.length === 1 ? '' : 's'} so far</div>
    </td>
    <td class="details"><code>${compactJson(item.kwargs, 60)}</code></td>
    <td>
      <input
        type="text"
        maxlength="1000"
        placeholder="comment (optional)"
        data-testid="approval-comment"
        value=${comment}
        onInput=${(/** @type {FieldEvent} */ event) => setComment(event.currentTarget.value)}
      />
      <div class="actions">
        <button type="button" class="primary small" data-testid="approve-button" disabled=${busy} onClick=${() => vote('approve')}>
          Approve
        </button>
        <button type="button" class="danger small" data-testid="reject-button" disabled=${busy} onClick=${() => vote('reject')}>
          Reject
        </button>
      </div>
    </td>
  </tr>`;
}
