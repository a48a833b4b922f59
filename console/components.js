// @ts-check
// Small display pieces shared by the pages: errors, badges, progress, times, copy buttons, paging.
import { html } from './html.js';
import { dateTime, errorText, prettyJson, relativeTime } from './format.js';
import { toast } from './toasts.js';

/** @param {{ error: unknown }} props */
export function ErrorNote({ error }) {
  return error ? html`<div class="error-note" role="alert">${errorText(error)}</div>` : null;
}

/** @param {{ what?: string }} props */
export function Loading({ what = '' }) {
  return html`<div class="muted loading">Loading${what ? ` ${what}` : ''}…</div>`;
}

/** @param {{ status: import('./types.js').ExecutionStatus, testid?: string }} props */
export function StatusBadge({ status, testid }) {
  return html`<span class=${`badge status-${status}`} data-testid=${testid}>${status}</span>`;
}

/** @param {{ value: number | null | undefined, testid?: string, thin?: boolean }} props */
export function ProgressBar({ value, testid, thin }) {
  const percent = Math.max(0, Math.min(100, Number(value) || 0));
  return html`<div
    class=${thin ? 'progress thin' : 'progress'}
    role="progressbar"
    aria-valuemin="0"
    aria-valuemax="100"
    aria-valuenow=${percent}
    data-testid=${testid}
  >
    <div class="progress-fill" style=${`width:${percent}%`}></div>
  </div>`;
}

/** @param {{ iso: string | null | undefined }} props */
export function RelTime({ iso }) {
  return iso
    ? html`<time datetime=${iso} title=${`${iso} (${dateTime(iso)})`}>${relativeTime(iso)}</time>`
    : html`<span class="muted">—</span>`;
}

/** @param {{ items: string[] | null | undefined, empty?: string }} props */
export function Chips({ items, empty = '—' }) {
  if (!items?.length) return html`<span class="muted">${empty}</span>`;
  return html`<span class="chips">${items.map((item) => html`<span class="chip" key=${item}>${item}</span>`)}</span>`;
}

/** @param {string} text */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // The async clipboard needs a secure context; plain http on a LAN address falls back to execCommand.
    const area = Object.assign(document.createElement('textarea'), { value: text });
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  toast('Copied to the clipboard', 'success');
}

/** @param {{ text: string, label?: string }} props */
export function CopyButton({ text, label = 'Copy' }) {
  return html`<button type="button" class="small ghost" onClick=${() => copyText(text)}>${label}</button>`;
}

/**
 * A titled pre block (JSON or text) with a Copy button.
 * @param {{ title: string, value: unknown, testid?: string, json?: boolean }} props
 */
export function Block({ title, value, testid, json = true }) {
  const text = json ? prettyJson(value) : String(value);
  return html`<section class="block">
    <header>
      <h3>${title}</h3>
      <${CopyButton} text=${text} />
    </header>
    <pre data-testid=${testid}>${text}</pre>
  </section>`;
}

/** @param {{ hasPrevious: boolean, hasNext: boolean, onPrevious: () => void, onNext: () => void, page: number }} props */
export function Pager({ hasPrevious, hasNext, onPrevious, onNext, page }) {
  return html`<div class="pager">
    <button type="button" class="ghost" data-testid="prev-page" disabled=${!hasPrevious} onClick=${onPrevious}>← Previous</button>
    <span class="muted">Page ${page}</span>
    <button type="button" class="ghost" data-testid="next-page" disabled=${!hasNext} onClick=${onNext}>Next →</button>
  </div>`;
}

export function NotAvailable() {
  return html`<div class="empty" data-testid="not-available">
    <h2>This page is for admins</h2>
    <p class="muted">Your token does not carry admin rights. <a href="#/executions">Back to executions</a></p>
  </div>`;
}
