// @ts-check
import { html } from '../html.js';
import { api } from '../api.js';
import { ErrorNote, Loading } from '../components.js';
import { useAsync, usePolling } from '../hooks.js';
import { COUNTED_STATUSES } from '../format.js';

// Bottom to top in each bar: finished work first, what is still open on top.
/** @type {import('../types.js').ExecutionStatus[]} */
const STACK = ['completed', 'failed', 'cancelled', 'timeout', 'running', 'pending'];
const WIDTH = 1100;
const HEIGHT = 280;
const PAD = { left: 44, right: 12, top: 34, bottom: 28 };

export function OverviewPage() {
  /** @type {import('../hooks.js').Async<import('../types.js').AdminOverview>} */
  const overview = useAsync(() => api('/admin/overview?hours=24'), []);
  usePolling(() => overview.reload(true), 15000);

  if (!overview.data) return overview.error ? html`<${ErrorNote} error=${overview.error} />` : html`<${Loading} what="the overview" />`;
  const { statistics, timeline } = overview.data;
  return html`<div class="page">
    <div class="page-head">
      <h1>Overview</h1>
      <span class="muted">last 24 hours, all principals</span>
    </div>
    <${ErrorNote} error=${overview.error} />
    <div class="tiles" data-testid="status-tiles">
      <div class="tile"><span class="tile-value">${statistics.total}</span><span class="tile-label">total</span></div>
      ${COUNTED_STATUSES.map(
        (status) =>
          html`<div key=${status} class=${`tile status-${status}`} data-status=${status}>
            <span class="tile-value">${statistics[status] ?? 0}</span><span class="tile-label">${status}</span>
          </div>`,
      )}
    </div>
    <section class="card chart-card">
      <h3>Executions created per ${timeline.bucket_minutes === 60 ? 'hour' : `${timeline.bucket_minutes} minutes`}</h3>
      <${Chart} buckets=${timeline.buckets} />
    </section>
  </div>`;
}

/**
 * A round axis maximum: 1, 2, 5, 10, 20, 50… at least as big as `value`.
 * @param {number} value
 */
function niceMax(value) {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5].map((step) => step * magnitude).find((candidate) => candidate >= value) ?? 10 * magnitude;
}

/** @param {string} iso */
const hourLabel = (iso) => new Date(iso).toLocaleTimeString([], { hour: 'numeric' });

/** @param {{ buckets: import('../types.js').TimelineBucket[] }} props */
function Chart({ buckets }) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(0, ...buckets.map((bucket) => bucket.total)));
  const slot = plotWidth / Math.max(buckets.length, 1);
  /** @param {number} value */
  const y = (value) => PAD.top + plotHeight - (value / top) * plotHeight;
  const ticks = [0, top / 4, top / 2, (3 * top) / 4, top].filter((tick) => Number.isInteger(tick));
  const labelEvery = Math.ceil(buckets.length / 8);

  return html`<svg
    class="chart"
    data-testid="executions-chart"
    viewBox=${`0 0 ${WIDTH} ${HEIGHT}`}
    role="img"
    aria-label="Executions per hour by status"
  >
    ${STACK.map(
      (status, index) =>
        html`<g key=${status} transform=${`translate(${PAD.left + index * 96}, 8)`}>
          <rect class=${`fill-${status}`} width="10" height="10" rx="2" /><text x="14" y="9" class="legend">${status}</text></g
        >`,
    )}
    ${ticks.map(
      (tick) =>
        html`<g key=${tick}>
          <line class="gridline" x1=${PAD.left} x2=${WIDTH - PAD.right} y1=${y(tick)} y2=${y(tick)} />
          <text class="axis" x=${PAD.left - 6} y=${y(tick) + 4} text-anchor="end">${tick}</text></g
        >`,
    )}
    ${buckets.map((bucket, index) => {
      const x = PAD.left + index * slot + slot * 0.15;
      let base = 0;
      return html`<g key=${bucket.start}>
        ${STACK.filter((status) => bucket[status] > 0).map((status) => {
          const from = base;
          base += bucket[status];
          return html`<rect key=${status} class=${`fill-${status}`} x=${x} width=${slot * 0.7} y=${y(base)} height=${y(from) - y(base)}>
            <title>${hourLabel(bucket.start)} — ${status}: ${bucket[status]}</title></rect
          >`;
        })}
        ${index % labelEvery === 0 && html`<text class="axis" x=${x + slot * 0.35} y=${HEIGHT - 8} text-anchor="middle">${hourLabel(bucket.start)}</text>`}
      </g>`;
    })}
    <line class="baseline" x1=${PAD.left} x2=${WIDTH - PAD.right} y1=${y(0)} y2=${y(0)} />
  </svg>`;
}
