// @ts-check
import { html } from '../html.js';
import { api, forget } from '../api.js';
import { Chips, ErrorNote, Loading, RelTime } from '../components.js';
import { useAsync, useForm } from '../hooks.js';
import { attempt, toast } from '../toasts.js';

/** @typedef {import('../types.js').AdminPrincipal} AdminPrincipal */
/** @typedef {import('../types.js').AdminGrant} AdminGrant */
/** @typedef {(action: () => Promise<unknown>, success: string) => Promise<boolean>} Run */
/** @typedef {(path: string, method: string, body?: unknown) => () => Promise<unknown>} Call */
/** @typedef {(holderId: string, permission: string, conditions: object | null) => Promise<boolean>} Grant */

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
        onGrant=${
          /** @type {Grant} */ (
            (principalId, permission, conditions) =>
              run(call('/admin/grants', 'POST', { permission, principal_id: principalId, conditions }), `Granted ${permission}`)
          )
        }
      />
      <table class="table">
        <thead>
          <tr>
            <th>Principal</th>
            <th>Permission</th>
            <th>Conditions</th>
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
 * @param {{ group: import('../types.js').AdminGroup, principals: AdminPrincipal[], grants: AdminGrant[],
 *   run: Run, call: Call, onDelete: () => void }} props
 */
function GroupCard({ group, principals, grants, run, call, onDelete }) {
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
          html`<span class="chip removable" key=${grant.id}
            >${grant.permission}${grant.conditions && html` <${Conditions} conditions=${grant.conditions} />`}
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
      onGrant=${
        /** @type {Grant} */ (
          (_, permission, conditions) =>
            run(call('/admin/grants', 'POST', { permission, group_id: group.id, conditions }), `Granted ${permission} to ${group.name}`)
        )
      }
    />
  </div>`;
}

/**
 * A permission input (suggestions from the known permissions), with a principal select when `holders` is given.
 * @param {{ holders?: AdminPrincipal[], onGrant: Grant }} props
 */
function GrantForm({ holders, onGrant }) {
  const [form, bind, setForm] = useForm({ holder: '', permission: '', conditions: '' });
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
    if (await onGrant(form.holder, form.permission.trim(), conditions)) setForm({ ...form, permission: '', conditions: '' });
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
