// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { Chips, CopyButton, ErrorNote, Loading, RelTime } from '../components.js';
import { useAsync, useForm } from '../hooks.js';
import { attempt } from '../toasts.js';
import { localInputToIso, quotaFromFields, quotaText } from '../format.js';

/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */
/** @typedef {import('../types.js').AdminToken} AdminToken */
/** @typedef {{ id: string, secret: string, name: string, owner: string | undefined }} ShownSecret */

const EMPTY = { name: '', scopes: '', expires: '', perHour: '', concurrent: '' };

/** @param {AdminToken} token */
function tokenState(token) {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && new Date(token.expires_at).getTime() <= Date.now()) return 'expired';
  return 'active';
}

/** @param {{ me: import('../types.js').Me }} props */
export function TokensPage({ me }) {
  /** @type {import('../hooks.js').Async<import('../types.js').AdminPrincipal[]>} */
  const principals = useAsync(() => api('/admin/principals'), []);
  const [principalId, setPrincipalId] = useState(me.principal.id);
  /** @type {import('../hooks.js').Async<AdminToken[]>} */
  const tokens = useAsync(() => api(`/admin/principals/${principalId}/tokens`), [principalId]);
  const [form, bind, setForm] = useForm(EMPTY);
  const [created, setCreated] = useState(/** @type {ShownSecret | null} */ (null)); // shown once, never stored

  const principal = principals.data?.find((item) => item.id === principalId);
  /** @type {{ id: string, name: string, disabled?: boolean }[]} */
  const choices = principals.data ?? [me.principal]; // until the list loads, the signed-in one

  /** @param {Event} event */
  const create = async (event) => {
    event.preventDefault();
    /** @type {{ name: string, scopes?: string[], expires_at?: string, quota?: import('../types.js').Quota }} */
    const body = { name: form.name.trim() };
    const scopes = form.scopes
      .split(',')
      .map((scope) => scope.trim())
      .filter(Boolean);
    if (scopes.length) body.scopes = scopes;
    if (form.expires) body.expires_at = localInputToIso(form.expires);
    const quota = quotaFromFields(form.perHour, form.concurrent);
    if (quota) body.quota = quota;
    /** @type {import('../types.js').CreatedToken | undefined} */
    const answer = await attempt(() => api(`/admin/principals/${principalId}/tokens`, { method: 'POST', body }), 'Token created');
    if (answer) {
      setCreated({ id: answer.token.id, secret: answer.secret, name: answer.token.name, owner: principal?.name });
      setForm(EMPTY);
      tokens.reload(true);
    }
  };
  /** @param {AdminToken} token */
  const revoke = async (token) => {
    const own = token.id === me.token.id ? ' This is the token of this console session: you will be signed out.' : '';
    if (!window.confirm(`Revoke the token ${token.name} (${token.prefix}…)? Clients using it stop working at once.${own}`)) return;
    if (!(await attempt(() => api(`/admin/tokens/${token.id}/revoke`, { method: 'POST' }), `Token ${token.name} revoked`))) return;
    if (created?.id === token.id) setCreated(null); // a revoked secret is no use to anyone
    tokens.reload(true);
  };

  return html`<div class="page">
    <div class="page-head">
      <h1>Tokens</h1>
      <label class="inline"
        >Principal
        <select
          data-testid="token-principal"
          value=${principalId}
          onChange=${(/** @type {FieldEvent} */ event) => (setCreated(null), setPrincipalId(event.currentTarget.value))}
        >
          ${choices.map((item) => html`<option key=${item.id} value=${item.id}>${item.name}${item.disabled ? ' (disabled)' : ''}</option>`)}
        </select>
      </label>
    </div>
    <${ErrorNote} error=${principals.error} />
    ${
      created &&
      html`<div class="secret-box" role="status">
        <div>
          <strong>New token "${created.name}"${created.owner ? ` for ${created.owner}` : ''}.</strong> Copy it now: it will not be shown
          again.
        </div>
        <div class="secret-line"><code data-testid="token-secret">${created.secret}</code><${CopyButton} text=${created.secret} /></div>
        <button type="button" class="ghost small" onClick=${() => setCreated(null)}>I have stored it, hide it</button>
      </div>`
    }
    <form class="card inline-form" onSubmit=${create}>
      <label>Name <input data-testid="token-name" required ...${bind('name')} placeholder="e.g. ci-pipeline" /></label>
      <label
        ><span>Scopes <span class="muted">(comma separated, optional)</span></span>
        <input data-testid="token-scopes" ...${bind('scopes')} placeholder="demo.run"
      /></label>
      <label
        ><span>Expires <span class="muted">(optional)</span></span>
        <input type="datetime-local" data-testid="token-expires" ...${bind('expires')}
      /></label>
      <label title="Executions made with this token in any hour, admins’ too (SPEC 7.13)"
        ><span>Quota per hour <span class="muted">(optional)</span></span>
        <input type="number" min="1" data-testid="token-quota-per-hour" ...${bind('perHour')}
      /></label>
      <label title="Its executions pending, awaiting approval or running at once"
        ><span>Quota at once <span class="muted">(optional)</span></span>
        <input type="number" min="1" data-testid="token-quota-concurrent" ...${bind('concurrent')}
      /></label>
      <button type="submit" class="primary" data-testid="create-token">Create token</button>
    </form>
    <${ErrorNote} error=${tokens.error} />
    ${
      !tokens.data || tokens.loading
        ? html`<${Loading} what="tokens" />`
        : html`<div class="card table-card">
            <table class="table" data-testid="tokens-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Prefix</th>
                  <th>Scopes</th>
                  <th>Quota</th>
                  <th>State</th>
                  <th>Expires</th>
                  <th>Last used</th>
                  <th>Created</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${tokens.data.map((token) => {
                  const state = tokenState(token);
                  return html`<tr
                    key=${token.id}
                    data-testid="token-row"
                    data-token-id=${token.id}
                    class=${state === 'active' ? '' : 'dimmed'}
                  >
                    <td><strong>${token.name}</strong>${token.id === me.token.id && html` <span class="muted">(this session)</span>`}</td>
                    <td><code>${token.prefix}…</code></td>
                    <td><${Chips} items=${token.scopes} empty="all of the principal's" /></td>
                    <td data-testid="token-quota">
                      ${token.quota ? html`<span class="badge">${quotaText(token.quota)}</span>` : html`<span class="muted">none</span>`}
                    </td>
                    <td><span class=${`badge token-${state}`} data-testid="token-state">${state}</span></td>
                    <td>${token.expires_at ? html`<${RelTime} iso=${token.expires_at} />` : html`<span class="muted">never</span>`}</td>
                    <td>${token.last_used_at ? html`<${RelTime} iso=${token.last_used_at} />` : html`<span class="muted">never</span>`}</td>
                    <td><${RelTime} iso=${token.created_at} /></td>
                    <td class="row-actions">
                      ${
                        state === 'active' &&
                        html`<button type="button" class="small danger ghost" data-testid="revoke-token" onClick=${() => revoke(token)}>
                          Revoke
                        </button>`
                      }
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>
            ${tokens.data.length === 0 && html`<div class="empty small">This principal has no tokens.</div>`}
          </div>`
    }
  </div>`;
}
