// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, ApiError, cached, query } from '../api.js';
import { useLive } from '../live.js';
import { Block, CopyButton, ErrorNote, Loading, ProgressBar, RelTime, StatusBadge } from '../components.js';
import { useAsync, usePolling } from '../hooks.js';
import { attempt } from '../toasts.js';
import { dateTime, duration, isTerminal, shortId } from '../format.js';

/** @typedef {import('../types.js').Execution} Execution */
/** @typedef {{ id: string, gone: true }} GoneExecution one the chain points to, deleted since */
/** @template T @typedef {import('../hooks.js').Async<T>} Async */

const CHAIN_LIMIT = 20;

/** @param {{ me: import('../types.js').Me, id: string }} props */
export function ExecutionDetailPage({ me, id }) {
  /** @type {Async<Execution>} */
  const execution = useAsync(() => api(`/executions/${encodeURIComponent(id)}`), [id]);
  /** @type {Async<import('../types.js').TaskCatalogEntry[]>} */
  const catalog = useAsync(() => cached('/tasks/catalog'), []);
  /** @type {Async<import('../types.js').AdminPrincipal[]>} */
  const principals = useAsync(() => (me.principal.is_admin ? cached('/admin/principals') : Promise.resolve([])), []);
  const ex = execution.data;
  const live = Boolean(ex && !isTerminal(ex.status));

  useLive(live ? [id] : [], ({ status, progress, stage, message }) => {
    execution.setData((current) => current && { ...current, status, progress, stage, message });
    // Updates carry no result, error or timings; the record has them once it is final.
    if (isTerminal(status)) execution.reload(true);
  });
  usePolling(() => live && execution.reload(true), 5000); // in case the socket is down

  if (execution.error instanceof ApiError && execution.error.status === 404) {
    return html`<div class="empty">
      <h2>Execution not found</h2>
      <p class="muted">It does not exist, was deleted, or is not visible to you.</p>
      <p><a href="#/executions">Back to executions</a></p>
    </div>`;
  }
  if (!ex) return execution.error ? html`<${ErrorNote} error=${execution.error} />` : html`<${Loading} what="the execution" />`;

  const task = catalog.data?.find((item) => item.task_name === ex.task_name);
  const mayAct = me.principal.is_admin || ex.owner_id === me.principal.id;
  const owner =
    ex.owner_id === me.principal.id
      ? `${me.principal.name} (you)`
      : ((principals.data ?? []).find((p) => p.id === ex.owner_id)?.name ?? ex.owner_id);

  const cancel = async () => {
    /** @type {Execution | undefined} */
    const updated = await attempt(() => api(`/executions/${id}/cancel`, { method: 'POST' }), 'Cancellation requested');
    if (updated) execution.setData(() => updated);
  };
  const retry = async () => {
    /** @type {import('../types.js').ExecutionAccepted | undefined} */
    const started = await attempt(() => api(`/executions/${id}/retry`, { method: 'POST' }), 'Retry started');
    if (started) location.hash = `#/executions/${started.execution_id}`;
  };
  const remove = async () => {
    if (!window.confirm(`Delete this ${ex.task_name} execution and its record? This cannot be undone.`)) return;
    const done = await attempt(() => api(`/executions/${id}`, { method: 'DELETE' }).then(() => true), 'Execution deleted');
    if (done) location.hash = '#/executions';
  };

  return html`<div class="page" data-testid="execution-detail" data-status=${ex.status}>
    <p class="crumbs"><a href="#/executions">← Executions</a></p>
    <div class="page-head detail-head">
      <div>
        <h1>${ex.task_name} <${StatusBadge} status=${ex.status} testid="detail-status" /></h1>
        <div class="muted id-line"><code>${ex.id}</code> <${CopyButton} text=${ex.id} label="Copy id" /></div>
      </div>
      <div class="actions">
        ${
          mayAct &&
          !isTerminal(ex.status) &&
          html`<button type="button" class="warn" data-testid="cancel-button" disabled=${Boolean(ex.cancel_requested_at)} onClick=${cancel}>
            ${ex.cancel_requested_at ? 'Cancelling…' : 'Cancel'}
          </button>`
        }
        ${
          mayAct &&
          ['failed', 'cancelled', 'timeout'].includes(ex.status) &&
          task?.can_execute &&
          html`<button type="button" class="primary" data-testid="retry-button" onClick=${retry}>Retry</button>`
        }
        ${mayAct && isTerminal(ex.status) && html`<button type="button" class="danger" data-testid="delete-button" onClick=${remove}>Delete</button>`}
      </div>
    </div>
    <${ErrorNote} error=${execution.error} />

    <section class="card">
      <div class="progress-line">
        <strong>${ex.progress ?? 0}%</strong>
        <span>${[ex.stage, ex.message].filter(Boolean).join(' — ') || html`<span class="muted">no progress reported</span>`}</span>
        ${ex.total_items ? html`<span class="muted">${ex.completed_items ?? 0} / ${ex.total_items} items</span>` : null}
      </div>
      <${ProgressBar} value=${ex.progress} testid="progress-bar" />
    </section>

    <div class="detail-grid">
      <section class="card">
        <h3>Timeline</h3>
        <${Timeline} ex=${ex} />
      </section>
      <section class="card">
        <h3>Details</h3>
        <dl class="facts">
          <dt>Owner</dt>
          <dd>${owner}</dd>
          <dt>Queue</dt>
          <dd>${ex.queue ?? '—'}</dd>
          <dt>Priority</dt>
          <dd>${ex.priority ?? '—'}</dd>
          <dt>Timeout</dt>
          <dd>${ex.timeout_ms ? duration(ex.timeout_ms) : '—'}</dd>
          <dt>Resource</dt>
          <dd>${ex.resource ?? '—'}</dd>
          <dt>Job id</dt>
          <dd><code>${ex.job_id ?? '—'}</code></dd>
          ${
            ex.idempotency_key &&
            html`<dt>Idempotency key</dt>
              <dd><code>${ex.idempotency_key}</code></dd>`
          }
          ${
            ex.file_name &&
            html`<dt>File</dt>
              <dd>${ex.file_name} (${Number(ex.file_size ?? 0).toLocaleString()} bytes)</dd>`
          }
        </dl>
      </section>
    </div>

    ${
      ex.approval_required.length > 0 &&
      html`<section class="card" data-testid="approval">
        <h3>Approval</h3>
        <${Approval} ex=${ex} me=${me} onVoted=${(/** @type {Execution} */ updated) => execution.setData(() => updated)} />
      </section>`
    }
    ${
      ex.callback_url &&
      html`<section class="card" data-testid="webhook-deliveries">
        <h3>Webhook deliveries</h3>
        <${Deliveries} ex=${ex} />
      </section>`
    }

    <section class="card" data-testid="retry-chain">
      <h3>Retry chain</h3>
      <${RetryChain} ex=${ex} />
    </section>

    <div class="blocks">
      <${Block} title="args" value=${ex.args ?? []} testid="args" />
      <${Block} title="kwargs" value=${ex.kwargs ?? {}} testid="kwargs" />
      ${ex.result !== null && ex.result !== undefined && html`<${Block} title="Result" value=${ex.result} testid="result" />`}
      ${ex.error && html`<${Block} title="Error" value=${ex.error} testid="error" json=${false} />`}
      ${ex.traceback && html`<${Block} title="Traceback" value=${ex.traceback} testid="traceback" json=${false} />`}
    </div>
  </div>`;
}

/**
 * The attempts to deliver the completion webhook, newest last; reloaded while one may still come.
 * @param {{ ex: Execution }} props
 */
function Deliveries({ ex }) {
  /** @type {Async<import('../types.js').WebhookDelivery[]>} */
  const deliveries = useAsync(() => api(`/executions/${ex.id}/deliveries`), [ex.id, ex.status]);
  const settled = deliveries.data?.some((delivery) => delivery.delivered_at);
  usePolling(() => isTerminal(ex.status) && !settled && deliveries.reload(true), 5000);
  if (deliveries.error) return html`<${ErrorNote} error=${deliveries.error} />`;
  if (!deliveries.data) return html`<${Loading} />`;
  return html`<p class="muted tiny">To <code>${ex.callback_url}</code></p>
    ${
      deliveries.data.length === 0
        ? html`<p class="muted">${isTerminal(ex.status) ? 'No attempt yet.' : 'Sent when the execution finishes.'}</p>`
        : html`<table class="table" data-testid="deliveries-table">
            <thead>
              <tr>
                <th class="num">Attempt</th>
                <th>Answer</th>
                <th>Error</th>
                <th>Tried</th>
                <th>Delivered</th>
              </tr>
            </thead>
            <tbody>
              ${deliveries.data.map(
                (delivery) =>
                  html`<tr key=${delivery.id} data-testid="delivery-row" data-delivered=${Boolean(delivery.delivered_at)}>
                    <td class="num">${delivery.attempt}</td>
                    <td>${delivery.status_code ?? html`<span class="muted">none</span>`}</td>
                    <td>${delivery.error ?? html`<span class="muted">—</span>`}</td>
                    <td><${RelTime} iso=${delivery.created_at} /></td>
                    <td><${RelTime} iso=${delivery.delivered_at} /></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/**
 * SPEC 7.11: what it waits (or waited) for, until when, and the votes; an approver who has not
 * voted yet may vote here too.
 * @param {{ ex: Execution, me: import('../types.js').Me, onVoted: (updated: Execution) => void }} props
 */
function Approval({ ex, me, onVoted }) {
  const [comment, setComment] = useState('');
  const mayVote =
    ex.status === 'awaiting_approval' &&
    ex.owner_id !== me.principal.id &&
    ex.approval_required.some((requirement) => me.groups.includes(requirement.group)) &&
    !ex.approvals.some((vote) => vote.principal_id === me.principal.id);
  /** @param {'approve' | 'reject'} decision */
  const vote = async (decision) => {
    const body = comment.trim() ? { comment: comment.trim() } : {};
    /** @type {Execution | undefined} */
    const updated = await attempt(
      () => api(`/executions/${ex.id}/${decision}`, { method: 'POST', body }),
      decision === 'approve' ? 'Approved' : 'Rejected',
    );
    if (updated) onVoted(updated);
  };
  return html`<dl class="facts">
      <dt>Needs</dt>
      <dd data-testid="approval-required">
        ${ex.approval_required.map(
          (requirement) =>
            html`<div key=${requirement.permission}>
              ${requirement.quorum} approval${requirement.quorum === 1 ? '' : 's'} from <strong>${requirement.group}</strong>
              <span class="muted">for ${requirement.permission}</span>
            </div>`,
        )}
      </dd>
      <dt>Deadline</dt>
      <dd data-testid="approval-deadline">
        ${ex.approval_deadline ? html`<${RelTime} iso=${ex.approval_deadline} /> <span class="muted tiny">${dateTime(ex.approval_deadline)}</span>` : '—'}
      </dd>
    </dl>
    ${
      ex.approvals.length === 0
        ? html`<p class="muted">No vote yet.</p>`
        : html`<table class="table" data-testid="approval-votes">
            <thead>
              <tr>
                <th>Who</th>
                <th>Vote</th>
                <th>Comment</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              ${ex.approvals.map(
                (vote) =>
                  html`<tr key=${vote.principal_id} data-testid="approval-vote" data-decision=${vote.decision}>
                    <td>${vote.name}</td>
                    <td><span class=${`badge ${vote.decision === 'approve' ? 'ok' : 'no'}`}>${vote.decision}</span></td>
                    <td>${vote.comment ?? html`<span class="muted">—</span>`}</td>
                    <td><${RelTime} iso=${vote.at} /></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      mayVote &&
      html`<div class="actions">
        <input
          type="text"
          maxlength="1000"
          placeholder="comment (optional)"
          data-testid="detail-approval-comment"
          value=${comment}
          onInput=${(/** @type {import('../hooks.js').FieldEvent} */ event) => setComment(event.currentTarget.value)}
        />
        <button type="button" class="primary" data-testid="detail-approve-button" onClick=${() => vote('approve')}>Approve</button>
        <button type="button" class="danger" data-testid="detail-reject-button" onClick=${() => vote('reject')}>Reject</button>
      </div>`
    }`;
}

/** @param {{ ex: Execution }} props */
function Timeline({ ex }) {
  const steps = /** @type {[label: string, at: string | null][]} */ ([
    ['Created', ex.created_at],
    ['Started', ex.started_at],
    ['Cancel requested', ex.cancel_requested_at],
    [isTerminal(ex.status) ? `Finished (${ex.status})` : 'Finished', ex.completed_at],
  ]).filter(([label, at]) => at || label === 'Started' || label.startsWith('Finished'));
  return html`<ol class="timeline">
    ${steps.map(
      ([label, at]) =>
        html`<li key=${label} class=${at ? 'done' : 'todo'}>
          <span class="step">${label}</span>
          ${at ? html`<span><${RelTime} iso=${at} /> <span class="muted tiny">${dateTime(at)}</span></span>` : html`<span class="muted">not yet</span>`}
        </li>`,
    )}
    <li class="plain"><span class="step">Attempts</span><span>${ex.attempts ?? 0} of ${ex.max_attempts ?? '?'}</span></li>
    <li class="plain"><span class="step">Duration</span><span>${duration(ex.duration_ms)}</span></li>
  </ol>`;
}

/**
 * Walks `retried_from` back to the original, and the retries of each execution forward.
 * @param {{ ex: Execution }} props
 */
function RetryChain({ ex }) {
  const chain = useAsync(async () => {
    /** @type {(Execution | GoneExecution)[]} */
    const before = [];
    for (let parent = ex.retried_from; parent && before.length < CHAIN_LIMIT;) {
      try {
        /** @type {Execution} */
        const found = await api(`/executions/${parent}`);
        before.unshift(found);
        parent = found.retried_from;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        before.unshift({ id: /** @type {string} */ (parent), gone: true }); // the request just made was for it
        break;
      }
    }
    /** @type {Execution[]} */
    const after = [];
    for (let from = ex.id; from && after.length < CHAIN_LIMIT;) {
      /** @type {import('../types.js').Page<Execution>} */
      const page = await api('/executions' + query({ retried_from: from, order: 'asc', limit: 100 }));
      after.push(...page.items);
      from = page.items[page.items.length - 1]?.id;
    }
    return { before, after };
  }, [ex.id, ex.retried_from]);

  if (chain.error) return html`<${ErrorNote} error=${chain.error} />`;
  if (!chain.data) return html`<${Loading} />`;
  const { before, after } = chain.data;
  if (!before.length && !after.length) return html`<p class="muted">Not a retry, and not retried.</p>`;
  return html`<ol class="chain">
    ${before.map((item) => html`<${ChainLink} key=${item.id} item=${item} />`)}
    <li class="current"><${StatusBadge} status=${ex.status} /> <code>${shortId(ex.id)}</code> <span class="muted">this one</span></li>
    ${after.map((item) => html`<${ChainLink} key=${item.id} item=${item} />`)}
  </ol>`;
}

/** @param {{ item: Execution | GoneExecution }} props */
function ChainLink({ item }) {
  if ('gone' in item) return html`<li><code>${shortId(item.id)}</code> <span class="muted">deleted</span></li>`;
  return html`<li>
    <a href=${`#/executions/${item.id}`}><${StatusBadge} status=${item.status} /> <code>${shortId(item.id)}</code></a>
    <span class="muted tiny"><${RelTime} iso=${item.created_at} /></span>
  </li>`;
}
