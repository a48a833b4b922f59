// @ts-check
import { html } from '../html.js';
import { api, forget } from '../api.js';
import { Chips, ErrorNote, Loading, RelTime } from '../components.js';
import { useAsync, useForm } from '../hooks.js';
import { attempt } from '../toasts.js';

/** @typedef {import('../types.js').AdminPrincipal} AdminPrincipal */

/** @param {{ me: import('../types.js').Me }} props */
export function PrincipalsPage({ me }) {
  /** @type {import('../hooks.js').Async<AdminPrincipal[]>} */
  const principals = useAsync(() => api('/admin/principals'), []);
  const [form, bind, setForm] = useForm({ name: '', kind: 'user', is_admin: false });

  const changed = () => {
    forget('/admin/principals'); // other pages map owner ids to names with a cached copy
    principals.reload(true);
  };
  /** @param {Event} event */
  const create = async (event) => {
    event.preventDefault();
    const body = { ...form, name: form.name.trim() };
    if (
      await attempt(() => api('/admin/principals', { method: 'POST', body }), `Created ${body.name}. Give it a token on the Tokens page.`)
    ) {
      setForm({ ...form, name: '', is_admin: false });
      changed();
    }
  };
  /**
   * @param {AdminPrincipal} principal
   * @param {{ disabled?: boolean, is_admin?: boolean }} patch
   * @param {string} success
   */
  const update = async (principal, patch, success) => {
    if (await attempt(() => api(`/admin/principals/${principal.id}`, { method: 'PATCH', body: patch }), success)) changed();
  };

  return html`<div class="page">
    <div class="page-head">
      <h1>Principals</h1>
      <span class="muted">users and services that hold tokens</span>
    </div>
    <form class="card inline-form" onSubmit=${create}>
      <label>Name <input name="principal-name" required ...${bind('name')} /></label>
      <label
        >Kind
        <select name="principal-kind" ...${bind('kind')}>
          <option value="user">user</option>
          <option value="service">service</option>
        </select>
      </label>
      <label class="check"><input type="checkbox" name="principal-admin" ...${bind('is_admin', true)} /> admin</label>
      <button type="submit" class="primary" data-testid="create-principal">Create principal</button>
    </form>
    <${ErrorNote} error=${principals.error} />
    ${
      !principals.data
        ? html`<${Loading} what="principals" />`
        : html`<div class="card table-card">
            <table class="table" data-testid="principals-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Role</th>
                  <th>Groups</th>
                  <th>Direct permissions</th>
                  <th>Created</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${principals.data.map((principal) => {
                  const self = principal.id === me.principal.id;
                  return html`<tr
                    key=${principal.id}
                    data-testid="principal-row"
                    data-principal-id=${principal.id}
                    class=${principal.disabled ? 'dimmed' : ''}
                  >
                    <td><strong>${principal.name}</strong>${self && html` <span class="muted">(you)</span>`}</td>
                    <td>${principal.kind}</td>
                    <td>
                      ${principal.is_admin && html`<span class="badge admin">admin</span>`}
                      ${principal.disabled && html`<span class="badge no">disabled</span>`}
                    </td>
                    <td><${Chips} items=${principal.groups.map((group) => group.name)} /></td>
                    <td><${Chips} items=${principal.permissions} /></td>
                    <td><${RelTime} iso=${principal.created_at} /></td>
                    <td class="row-actions">
                      <button
                        type="button"
                        class="small ghost"
                        data-testid="toggle-disabled"
                        onClick=${() => update(principal, { disabled: !principal.disabled }, `${principal.name} ${principal.disabled ? 'enabled' : 'disabled'}`)}
                      >
                        ${principal.disabled ? 'Enable' : 'Disable'}
                      </button>
                      <button
                        type="button"
                        class="small ghost"
                        data-testid="toggle-admin"
                        onClick=${() => update(principal, { is_admin: !principal.is_admin }, `${principal.name} is ${principal.is_admin ? 'no longer' : 'now'} an admin`)}
                      >
                        ${principal.is_admin ? 'Remove admin' : 'Make admin'}
                      </button>
                    </td>
                  </tr>`;
                })}
              </tbody>
            </table>
          </div>`
    }
  </div>`;
}
