// @ts-check
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, ApiError } from '../api.js';
import { errorText } from '../format.js';

/** @typedef {import('../hooks.js').FieldEvent} FieldEvent */

/**
 * The token form. The token is checked with GET /me before it is kept (in sessionStorage, by the app).
 * @param {{ notice: string, onSignedIn: (token: string, me: import('../types.js').Me) => void }} props
 */
export function SignInPage({ notice, onSignedIn }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);

  /** @param {Event} event */
  const submit = async (event) => {
    event.preventDefault();
    const token = secret.trim();
    if (!token) return setError('Paste an API token first.');
    setBusy(true);
    setError('');
    try {
      /** @type {import('../types.js').Me} */
      const me = await api('/me', { token });
      onSignedIn(token, me);
    } catch (failure) {
      const refused = failure instanceof ApiError && failure.status === 401;
      setError(refused ? 'That token was not accepted: it is unknown, revoked or expired.' : errorText(failure));
      setBusy(false);
    }
  };

  return html`<div class="sign-in">
    <form class="card sign-in-card" onSubmit=${submit}>
      <h1><span class="logo">◆</span> taskgate</h1>
      <p class="muted">Sign in with an API token. It stays in this browser tab only and is forgotten when you sign out or close the tab.</p>
      <label for="token">API token</label>
      <input
        id="token"
        type="password"
        autocomplete="off"
        spellcheck="false"
        placeholder="tgw_…"
        data-testid="token-input"
        value=${secret}
        onInput=${(/** @type {FieldEvent} */ event) => setSecret(event.currentTarget.value)}
        autofocus
      />
      ${error && html`<div class="error-note" role="alert" data-testid="sign-in-error">${error}</div>`}
      <button type="submit" class="primary" data-testid="sign-in" disabled=${busy}>${busy ? 'Checking…' : 'Sign in'}</button>
    </form>
  </div>`;
}
