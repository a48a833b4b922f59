// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { Chips, ErrorNote, Loading } from '../components.js';
import { useAsync } from '../hooks.js';
import { duration } from '../format.js';
import { RunForm } from './run-form.js';

/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */
/** @typedef {import('../types.js').TaskCatalogEntry} TaskCatalogEntry */

export function TasksPage() {
  /** @type {import('../hooks.js').Async<TaskCatalogEntry[]>} */
  const catalog = useAsync(() => api('/tasks/catalog'), []);
  const [showUnavailable, setShowUnavailable] = useState(false);
  const [open, setOpen] = useState(/** @type {string | null} */ (null)); // the task whose run form is shown

  if (!catalog.data) return catalog.error ? html`<${ErrorNote} error=${catalog.error} />` : html`<${Loading} what="the task catalog" />`;
  const tasks = [...catalog.data].sort((a, b) => a.task_name.localeCompare(b.task_name));
  const runnable = tasks.filter((task) => task.can_execute);
  const unavailable = tasks.filter((task) => !task.can_execute);
  /** @param {TaskCatalogEntry} task */
  const card = (task) =>
    html`<${TaskCard}
      key=${task.task_name}
      task=${task}
      open=${open === task.task_name}
      onOpen=${() => setOpen(open === task.task_name ? null : task.task_name)}
    />`;

  return html`<div class="page">
    <div class="page-head">
      <h1>Tasks</h1>
      <label class="check toggle">
        <input
          type="checkbox"
          data-testid="show-unavailable-tasks"
          checked=${showUnavailable}
          onChange=${(/** @type {FieldEvent} */ event) => setShowUnavailable(event.currentTarget.checked)}
        />
        Show tasks you may not run (${unavailable.length})
      </label>
    </div>
    ${runnable.length === 0 && html`<div class="empty small">You may not run any task yet. Ask an admin for a permission.</div>`}
    <div class="task-grid">${runnable.map(card)}</div>
    ${
      showUnavailable &&
      unavailable.length > 0 &&
      html`<h2 class="section-title">Tasks you may not run</h2>
        <div class="task-grid">${unavailable.map(card)}</div>`
    }
  </div>`;
}

/**
 * One line per field (`a: number`, `?` when optional), the whole JSON Schema on demand.
 * @param {{ schema: import('../types.js').JsonSchema | undefined }} props
 */
function KwargsSchema({ schema }) {
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(schema?.properties ?? {}).map(
    ([name, field]) => `${name}${required.has(name) ? '' : '?'}: ${field.enum ? field.enum.join(' | ') : (field.type ?? 'any')}`,
  );
  return html`<details class="schema" data-testid="kwargs-schema">
    <summary>kwargs <code>${fields.length ? `{ ${fields.join(', ')} }` : '{}'}</code></summary>
    <pre>${JSON.stringify(schema ?? {}, null, 2)}</pre>
  </details>`;
}

/** @param {{ task: TaskCatalogEntry, open: boolean, onOpen: () => void }} props */
function TaskCard({ task, open, onOpen }) {
  return html`<div
    class=${`card task-card ${task.can_execute ? '' : 'unavailable'}`}
    data-testid="task-card"
    data-task-name=${task.task_name}
    data-can-execute=${String(task.can_execute)}
  >
    <div class="task-head">
      <h3>${task.task_name}</h3>
      <span class=${`badge ${task.can_execute ? 'ok' : 'no'}`}>${task.can_execute ? 'you can run it' : 'not allowed'}</span>
    </div>
    <p>${task.description || html`<span class="muted">No description.</span>`}</p>
    <dl class="facts compact">
      <dt>Permissions</dt>
      <dd><${Chips} items=${task.permissions} empty="none needed" /></dd>
      <dt>Queue</dt>
      <dd>${task.queue ?? '—'}</dd>
      <dt>Limits</dt>
      <dd>${task.timeout_ms ? `${duration(task.timeout_ms)} timeout` : 'no timeout'}, ${task.max_attempts ?? 1} attempt(s) at most</dd>
    </dl>
    <${KwargsSchema} schema=${task.kwargs_schema} />
    ${task.accepts_file && html`<p class="note">This task takes a file: use <code>POST /api/v1/tasks/${task.task_name}/upload</code>.</p>`}
    <p class=${`verdict ${task.can_execute ? '' : 'denied'}`}>${task.reason}</p>
    ${
      task.can_execute &&
      html`<div class="form-actions">
        <button type="button" class=${open ? 'ghost' : 'primary'} data-testid="run-task" onClick=${onOpen}>
          ${open ? 'Hide form' : 'Run…'}
        </button>
      </div>`
    }
    ${open && html`<${RunForm} task=${task} onClose=${onOpen} />`}
  </div>`;
}
