// @ts-check
import { html } from '../html.js';
import { api, forget } from '../api.js';
import { Chips, ErrorNote, Loading, RelTime } from '../components.js';
import { useAsync, useForm } from '../hooks.js';
import { attempt, toast } from '../toasts.js';
import { quotaFromFields, quotaText } from '../format.js';

/** @typedef {import('../types.js').AdminPrincipal} AdminPrincipal */
/** @typedef {import('../types.js').AdminGrant} AdminGrant */
/** @typedef {(action: () => Promise<unknown>, success: string) => Promise<boolean>} Run */
/** @typedef {(path: string, method: string, body?: unknown) => () => Promise<unknown>} Call */
/**
 * What a grant carries besides its permission (SPEC 7.7, 7.11, 7.13); null: none.
 * @typedef {{ conditions: object | null, approval: import('../types.js').GrantApproval | null,
 *   quota: import('../types.js').Quota | null }} GrantTerms
 */
/** @typedef {(holderId: string, permission: string, terms: GrantTerms) => Promise<boolean>} Grant */

/**
 * @returns {Promise<{ groups: import('../types.js').AdminGroup[], principals: AdminPrincipal[],
 *   permissions: import('../types.js').KnownPermission[], grants: AdminGrant[] }>}
 */
async function loadAll() {
  const [groups, principals, permissions, grants] = await Promise.all(
    ['/admin/groups', '/admin/principals', '/admin/permissions', '/admin/grants'].map((path) => api(path)),
  );
  return { groups, principals, permissions, grants };
}

export function GroupsPage() {
  const state = useAsync(loadAll, []);
  const [form, bind, setForm] = useForm({ name: '' });
  if (!state.data) return state.error ? html`<${ErrorNote} error=${state.error} />` : html`<${Loading} what="groups and grants" />`;
  const { groups, principals, permissions, grants } = state.data;

  // Every change can alter what other lists show (members, grants, known permissions): reload it all.
  /** @type {Run} */
  const run = async (action, success) => {
    const ok = (await attempt(action, success)) !== undefined;
    if (ok) {
      forget('/admin/principals');
      state.reload(true);
    }
    return ok;
  };
  /** @type {Call} */
  const call = (path, method, body) => () => api(path, { method, body }).then((result) => result ?? true);
  /** @param {Event} event */
  const createGroup = (event) => {
    event.preventDefault();
    run(call('/admin/groups', 'POST', { name: form.name.trim() }), `Group ${form.name.trim()} created`).then(
      (ok) => ok && setForm({ name: '' }),
    );
  };
  /** @param {import('../types.js').AdminGroup} group */
  const deleteGroup = (group) => {
    if (window.confirm(`Delete the group ${group.name}? Its members lose the permissions granted through it.`)) {
      run(call(`/admin/groups/${group.id}`, 'DELETE'), `Group ${group.name} deleted`);
    }
  };

  return html`<div class="page">
    <div class="page-head"><h1>Groups & grants</h1></div>
    <datalist id="known-permissions">
      ${permissions.map((item) => html`<option key=${item.permission} value=${item.permission} />`)}
    </datalist>
    <form class="card inline-form" onSubmit=${createGroup}>
      <label>New group <input name="group-name" required ...${bind('name')} /></label>
      <button type="submit" class="primary" data-testid="create-group">Create group</button>
    </form>
    <${ErrorNote} error=${state.error} />
    <div class="group-grid">
      ${groups.map(
        (group) =>
          html`<${GroupCard}
            key=${group.id}
            group=${group}
            groups=${groups}
            principals=${principals}
            grants=${grants.filter((grant) => grant.group_id === group.id)}
            run=${run}
            call=${call}
            onDelete=${() => deleteGroup(group)}
          />`,
      )}
      ${groups.length === 0 && html`<div class="empty small">No groups yet.</div>`}
    </div>

    <h2 class="section-title">Direct grants to principals</h2>
    <div class="card">
      <${GrantForm}
        holders=${principals}
        groups=${groups}
        onGrant=${
          /** @type {Grant} */ (
            (principalId, permission, terms) =>
              run(call('/admin/grants', 'POST', { permission, principal_id: principalId, ...terms }), `Granted ${permission}`)
          )
        }
      />
      <table class="table">
        <thead>
          <tr>
            <th>Principal</th>
            <th>Permission</th>
            <th>Conditions</th>
            <th>Approval</th>
            <th>Quota</th>
            <th>Granted</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${grants
            .filter((grant) => grant.principal_id)
            .map(
              (grant) =>
                html`<tr key=${grant.id} data-testid="grant-row">
                  <td>${grant.principal_name}</td>
                  <td><span class="chip">${grant.permission}</span></td>
                  <td data-testid="grant-conditions"><${Conditions} conditions=${grant.conditions} /></td>
                  <td data-testid="grant-approval"><${Approval} approval=${grant.approval} /></td>
                  <td data-testid="grant-quota"><${QuotaCell} quota=${grant.quota} /></td>
                  <td><${RelTime} iso=${grant.created_at} /></td>
                  <td class="row-actions">
                    <button
                      type="button"
                      class="small ghost"
                      onClick=${() =>
                        run(call(`/admin/grants/${grant.id}`, 'DELETE'), `Removed ${grant.permission} from ${grant.principal_name}`)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>`,
            )}
        </tbody>
      </table>
      ${!grants.some((grant) => grant.principal_id) && html`<div class="empty small">No permission is granted to a principal directly.</div>`}
    </div>

    <h2 class="section-title">Known permissions</h2>
    <div class="card table-card">
      <table class="table">
        <thead>
          <tr>
            <th>Permission</th>
            <th>Needed by tasks</th>
            <th>Granted to principals</th>
            <th>Granted to groups</th>
          </tr>
        </thead>
        <tbody>
          ${permissions.map(
            (item) =>
              html`<tr key=${item.permission}>
                <td><span class="chip">${item.permission}</span></td>
                <td><${Chips} items=${item.tasks} /></td>
                <td><${Chips} items=${item.principals} /></td>
                <td><${Chips} items=${item.groups} /></td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </div>`;
}

/**
 * @param {{ group: import('../types.js').AdminGroup, groups: import('../types.js').AdminGroup[], principals: AdminPrincipal[],
 *   grants: AdminGrant[], run: Run, call: Call, onDelete: () => void }} props
 */
function GroupCard({ group, groups, principals, grants, run, call, onDelete }) {
  const [form, bind, setForm] = useForm({ member: '' });
  const candidates = principals.filter((principal) => !group.members.some((existing) => existing.id === principal.id));
  /** @param {Event} event */
  const addMember = (event) => {
    event.preventDefault();
    run(call(`/admin/groups/${group.id}/members/${form.member}`, 'PUT'), 'Member added').then((ok) => ok && setForm({ member: '' }));
  };
  return html`<div class="card group-card" data-testid="group-card" data-group-name=${group.name}>
    <div class="task-head">
      <h3>${group.name}</h3>
      <button type="button" class="small danger ghost" data-testid="delete-group" onClick=${onDelete}>Delete</button>
    </div>
    <div class="label">Members</div>
    <div class="chips">
      ${group.members.map(
        (principal) =>
          html`<span class="chip removable" key=${principal.id}
            >${principal.name}
            <button
              type="button"
              title=${`Remove ${principal.name}`}
              aria-label=${`Remove ${principal.name}`}
              onClick=${() => run(call(`/admin/groups/${group.id}/members/${principal.id}`, 'DELETE'), `${principal.name} removed`)}
            >
              ×
            </button></span
          >`,
      )}
      ${group.members.length === 0 && html`<span class="muted">no members</span>`}
    </div>
    <form class="inline-form plain" onSubmit=${addMember}>
      <select name="member" required ...${bind('member')}>
        <option value="">Add a member…</option>
        ${candidates.map((principal) => html`<option key=${principal.id} value=${principal.id}>${principal.name}</option>`)}
      </select>
      <button type="submit" class="small" disabled=${!form.member}>Add</button>
    </form>
    <div class="label">Permissions</div>
    <div class="chips">
      ${grants.map(
        (grant) =>
          html`<span class="chip removable" key=${grant.id} data-testid="group-grant"
            >${grant.permission}${grant.conditions && html` <${Conditions} conditions=${grant.conditions} />`}${
              grant.approval && html` <${Approval} approval=${grant.approval} />`
            }${grant.quota && html` <${QuotaCell} quota=${grant.quota} />`}
            <button
              type="button"
              title="Remove this grant"
              aria-label=${`Remove ${grant.permission}`}
              onClick=${() => run(call(`/admin/grants/${grant.id}`, 'DELETE'), `Removed ${grant.permission} from ${group.name}`)}
            >
              ×
            </button></span
          >`,
      )}
      ${grants.length === 0 && html`<span class="muted">no permissions</span>`}
    </div>
    <${GrantForm}
      groups=${groups}
      onGrant=${
        /** @type {Grant} */ (
          (_, permission, terms) =>
            run(call('/admin/grants', 'POST', { permission, group_id: group.id, ...terms }), `Granted ${permission} to ${group.name}`)
        )
      }
    />
  </div>`;
}

const EMPTY_GRANT = { holder: '', permission: '', conditions: '', approvalGroup: '', quorum: '', timeout: '', perHour: '', concurrent: '' };

/**
 * A permission input (suggestions from the known permissions), with a principal select when `holders` is given,
 * and the grant's terms: conditions (SPEC 7.7), approval by a group (7.11), quota (7.13).
 * @param {{ holders?: AdminPrincipal[], groups: import('../types.js').AdminGroup[], onGrant: Grant }} props
 */
function GrantForm({ holders, groups, onGrant }) {
  const [form, bind, setForm] = useForm(EMPTY_GRANT);
  /** @param {Event} event */
  const submit = async (event) => {
    event.preventDefault();
    let conditions = null;
    if (form.conditions.trim()) {
      try {
        conditions = JSON.parse(form.conditions);
      } catch {
        toast('conditions must be JSON, e.g. {"kwargs.a": {"$lte": 10}}', 'error');
        return;
      }
    }
    /** @type {import('../types.js').GrantApproval | null} */
    const approval = form.approvalGroup
      ? {
          group: form.approvalGroup,
          ...(form.quorum.trim() ? { quorum: Number(form.quorum) } : {}),
          ...(form.timeout.trim() ? { timeout: form.timeout.trim() } : {}),
        }
      : null;
    const quota = quotaFromFields(form.perHour, form.concurrent);
    if (await onGrant(form.holder, form.permission.trim(), { conditions, approval, quota }))
      setForm({ ...EMPTY_GRANT, holder: form.holder });
  };
  return html`<form class="inline-form plain" onSubmit=${submit}>
    ${
      holders &&
      html`<select name="grant-principal" required ...${bind('holder')}>
        <option value="">Principal…</option>
        ${holders.map((principal) => html`<option key=${principal.id} value=${principal.id}>${principal.name}</option>`)}
      </select>`
    }
    <input name="grant-permission" list="known-permissions" placeholder="permission, e.g. demo.run" required ...${bind('permission')} />
    <input
      name="grant-conditions"
      placeholder='conditions (optional JSON), e.g. {"kwargs.a": {"$lte": 10}}'
      title="Only requests meeting these run under this grant; granting again replaces them (empty: unconditional)"
      ...${bind('conditions')}
    />
    <select name="grant-approval-group" title="Matching requests wait for approval by members of this group" ...${bind('approvalGroup')}>
      <option value="">No approval</option>
      ${groups.map((group) => html`<option key=${group.id} value=${group.name}>approval by ${group.name}</option>`)}
    </select>
    ${
      form.approvalGroup &&
      html`<input
          name="grant-quorum"
          type="number"
          min="1"
          max="10"
          placeholder="quorum (1)"
          title="Distinct approvals needed"
          ...${bind('quorum')}
        />
        <input
          name="grant-approval-timeout"
          placeholder="timeout (24h)"
          title="Cancelled if not approved within it, e.g. 30m, 24h"
          ...${bind('timeout')}
        />`
    }
    <input
      name="grant-quota-per-hour"
      type="number"
      min="1"
      placeholder="quota per hour"
      title="Executions this grant authorizes in any hour (empty: no limit)"
      ...${bind('perHour')}
    />
    <input
      name="grant-quota-concurrent"
      type="number"
      min="1"
      placeholder="quota at once"
      title="Its executions pending, awaiting approval or running at once (empty: no limit)"
      ...${bind('concurrent')}
    />
    <button type="submit" class="small">Grant</button>
  </form>`;
}

/**
 * A grant's conditions as the API holds them, or "none".
 * @param {{ conditions: object | null }} props
 */
function Conditions({ conditions }) {
  return conditions ? html`<code class="conditions">${JSON.stringify(conditions)}</code>` : html`<span class="muted">none</span>`;
}

/**
 * Who must approve a grant's requests, or "none".
 * @param {{ approval: import('../types.js').GrantApproval | null }} props
 */
function Approval({ approval }) {
  if (!approval) return html`<span class="muted">none</span>`;
  return html`<span class="badge" title=${`cancelled if not approved within ${approval.timeout ?? '24h'}`}
    >${approval.quorum ?? 1} of ${approval.group}</span
  >`;
}

/**
 * A quota in words, or "none".
 * @param {{ quota: import('../types.js').Quota | null }} props
 */
function QuotaCell({ quota }) {
  return quota ? html`<span class="badge">${quotaText(quota)}</span>` : html`<span class="muted">none</span>`;
}
