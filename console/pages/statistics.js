// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, query } from '../api.js';
import { ErrorNote, Loading } from '../components.js';
import { useAsync, usePolling } from '../hooks.js';
import { dateTime, duration, COUNTED_STATUSES } from '../format.js';
import { showExecutionsOf } from './executions.js';

/** @typedef {import('../types.js').TaskStatistics} TaskStatistics */
/** @template T @typedef {import('../hooks.js').Async<T>} Async */

const WINDOWS = [
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'],
];

// Kept outside the component so the window survives a visit elsewhere and back.
const remembered = { window: '24h' };

/** Per task over a window: counts by status, duration and queue-wait percentiles, and a bar per task. */
export function StatisticsPage() {
  const [window, setWindow] = useState(remembered.window);
  /** @type {Async<import('../types.js').TaskStatisticsReport>} */
  const stats = useAsync(() => api('/executions/statistics' + query({ group_by: 'task', window })), [window]);
  usePolling(() => stats.reload(true), 10_000);
  const pick = (/** @type {string} */ value) => {
    remembered.window = value;
    setWindow(value);
  };
  const tasks = stats.data?.tasks ?? [];

  return html`<div class="page" data-testid="statistics-page">
    <div class="page-head">
      <h1>Statistics</h1>
      <div class="segmented" role="group" aria-label="Window">
        ${WINDOWS.map(
          ([value, label]) =>
            html`<button
              type="button"
              key=${value}
              class=${window === value ? 'on' : ''}
              aria-pressed=${window === value}
              data-testid=${`window-${value}`}
              onClick=${() => pick(value)}
            >
              ${label}
            </button>`,
        )}
      </div>
    </div>
    <${ErrorNote} error=${stats.error} />
    ${
      stats.data &&
      html`<p class="muted" data-testid="statistics-window">
        Executions you may see, created from ${dateTime(stats.data.window_start)} to ${dateTime(stats.data.window_end)}. Percentiles are
        over finished executions; queue wait is the time from creation to start.
      </p>`
    }
    ${
      stats.loading && !stats.data
        ? html`<${Loading} what="statistics" />`
        : tasks.length === 0
          ? html`<div class="empty small card">No executions in this window.</div>`
          : html`<section class="card">
                <h3>Executions per task</h3>
                <${StatusBars} tasks=${tasks} />
              </section>
              <div class="card table-card">
                <table class="table" data-testid="statistics-table">
                  <thead>
                    <tr>
                      <th>Task</th>
                      <th class="num">Total</th>
                      ${COUNTED_STATUSES.map((status) => html`<th class="num" key=${status}>${status}</th>`)}
                      <th class="num">Duration p50</th>
                      <th class="num">p95</th>
                      <th class="num">max</th>
                      <th class="num">Queue wait p50</th>
                      <th class="num">p95</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${tasks.map((task) => html`<${TaskRow} key=${task.task_name} task=${task} />`)}
                  </tbody>
                </table>
              </div>`
    }
  </div>`;
}

/** @param {{ task: TaskStatistics }} props */
function TaskRow({ task }) {
  return html`<tr data-testid="statistics-row" data-task=${task.task_name}>
    <td><a href="#/executions" title="Its executions" onClick=${() => showExecutionsOf(task.task_name)}>${task.task_name}</a></td>
    <td class="num" data-testid="stat-total">${task.total}</td>
    ${COUNTED_STATUSES.map((status) => html`<td class="num" key=${status} data-testid=${`stat-${status}`}>${task[status] || html`<span class="muted">0</span>`}</td>`)}
    <td class="num" data-testid="stat-duration-p50">${duration(task.duration_ms.p50)}</td>
    <td class="num" data-testid="stat-duration-p95">${duration(task.duration_ms.p95)}</td>
    <td class="num">${duration(task.duration_ms.max)}</td>
    <td class="num" data-testid="stat-wait-p50">${duration(task.queue_wait_ms.p50)}</td>
    <td class="num">${duration(task.queue_wait_ms.p95)}</td>
  </tr>`;
}

/**
 * One horizontal bar per task, its length the task's total against the busiest task, split by status.
 * @param {{ tasks: TaskStatistics[] }} props
 */
function StatusBars({ tasks }) {
  const busiest = Math.max(1, ...tasks.map((task) => task.total));
  const rowHeight = 22;
  const labelWidth = 180;
  const width = 720;
  const barSpace = width - labelWidth - 60;
  return html`<svg
    class="status-bars"
    data-testid="statistics-chart"
    viewBox=${`0 0 ${width} ${tasks.length * rowHeight + 4}`}
    role="img"
    aria-label="Executions per task by status"
  >
    ${tasks.map((task, row) => {
      let x = labelWidth;
      const y = row * rowHeight + 2;
      return html`<g key=${task.task_name} data-task=${task.task_name}>
        <text x=${labelWidth - 8} y=${y + 14} text-anchor="end" class="bar-label">${task.task_name}</text>
        ${COUNTED_STATUSES.filter((status) => task[status] > 0).map((status) => {
          const w = (task[status] / busiest) * barSpace;
          const segment = html`<rect key=${status} x=${x} y=${y} width=${w} height=${rowHeight - 6} class=${`bar-${status}`}>
            <title>${`${task.task_name}: ${task[status]} ${status}`}</title>
          </rect>`;
          x += w;
          return segment;
        })}
        <text x=${x + 6} y=${y + 14} class="bar-value">${task.total}</text>
      </g>`;
    })}
  </svg>`;
}
