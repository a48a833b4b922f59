// @ts-check
// The shell: sign-in state, the header and nav, and hash routing to the pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { api, clearToken, getToken, onUnauthorized, setToken } from './api.js';
import { connectLive, disconnectLive, liveState } from './live.js';
import { ErrorNote, Loading, NotAvailable } from './components.js';
import { useStore } from './store.js';
import { Toasts } from './toasts.js';
import { SignInPage } from './pages/sign-in.js';
import { ExecutionsPage } from './pages/executions.js';
import { ExecutionDetailPage } from './pages/execution-detail.js';
import { TasksPage } from './pages/tasks.js';
import { StatisticsPage } from './pages/statistics.js';
import { OverviewPage } from './pages/overview.js';
import { PrincipalsPage } from './pages/principals.js';
import { GroupsPage } from './pages/groups.js';
import { TokensPage } from './pages/tokens.js';
import { AuditPage } from './pages/audit.js';
import { ApprovalsPage } from './pages/approvals.js';

/** @typedef {import('./types.js').Me} Me */
/** @typedef {{ page: string, id: string | null }} Route */
/** @typedef {{ label: string, component: import('preact').FunctionComponent<any>, admin?: boolean }} PageInfo */

/** @type {Record<string, PageInfo>} */
const PAGES = {
  executions: { label: 'Executions', component: ExecutionsPage },
  approvals: { label: 'Approvals', component: ApprovalsPage },
  tasks: { label: 'Tasks', component: TasksPage },
  statistics: { label: 'Statistics', component: StatisticsPage },
  overview: { label: 'Overview', component: OverviewPage, admin: true },
  principals: { label: 'Principals', component: PrincipalsPage, admin: true },
  groups: { label: 'Groups & grants', component: GroupsPage, admin: true },
  tokens: { label: 'Tokens', component: TokensPage, admin: true },
  audit: { label: 'Audit', component: AuditPage, admin: true },
};

/** @returns {Route} */
function parseHash() {
  const [page = 'executions', id = null] = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return { page, id: id && decodeURIComponent(id) };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const update = () => setRoute(parseHash());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

function LiveIndicator() {
  const state = useStore(liveState);
  const label = state === 'open' ? 'live' : state === 'closed' ? 'offline' : 'reconnecting…';
  return html`<span class=${`live live-${state}`} title="Live updates over WebSocket">${label}</span>`;
}

/** @param {{ me: Me, page: string, onSignOut: () => void }} props */
function Header({ me, page, onSignOut }) {
  const isAdmin = me.principal.is_admin;
  const links = Object.entries(PAGES).filter(([, info]) => isAdmin || !info.admin);
  return html`<header class="topbar">
    <a class="brand" href="#/executions"><span class="logo">◆</span> taskgate</a>
    <nav>
      ${links.map(
        ([name, info]) =>
          html`<a
            key=${name}
            href=${`#/${name}`}
            data-testid=${`nav-${name}`}
            class=${page === name ? 'active' : ''}
            aria-current=${page === name ? 'page' : undefined}
            >${info.label}</a
          >`,
      )}
    </nav>
    <div class="who">
      <${LiveIndicator} />
      <span class="whoami" data-testid="whoami" title=${`${me.principal.kind} ${me.principal.id}`}>${me.principal.name}</span>
      ${isAdmin && html`<span class="badge admin">admin</span>`}
      <button type="button" class="ghost small" data-testid="sign-out" onClick=${onSignOut}>Sign out</button>
    </div>
  </header>`;
}

/** @param {{ me: Me, route: Route }} props */
function Main({ me, route }) {
  /** @type {PageInfo | undefined} */
  const page = route.page === 'executions' && route.id ? { label: 'Execution', component: ExecutionDetailPage } : PAGES[route.page];
  useEffect(() => void (document.title = `${page?.label ?? 'Not found'} · taskgate`), [page?.label]);
  if (!page) {
    return html`<div class="empty">
      <h2>No such page</h2>
      <p><a href="#/executions">Go to executions</a></p>
    </div>`;
  }
  // Checked before rendering, so a non-admin's visit makes no admin call at all.
  if (page.admin && !me.principal.is_admin) return html`<${NotAvailable} />`;
  const Page = page.component;
  return html`<${Page} key=${`${route.page}/${route.id}`} me=${me} id=${route.id} />`;
}

function App() {
  const route = useRoute();
  const [token, setTokenState] = useState(getToken);
  const [me, setMe] = useState(/** @type {Me | null} */ (null));
  const [notice, setNotice] = useState('');
  const [meError, setMeError] = useState(/** @type {unknown} */ (null));

  const signedOut = (message = '') => {
    setTokenState(null);
    setMe(null);
    setNotice(message);
  };
  useEffect(() => onUnauthorized(signedOut), []);

  const loadMe = () => {
    setMeError(null);
    api('/me').then(setMe, setMeError);
  };
  useEffect(() => {
    if (!token) return undefined;
    if (!me) loadMe();
    connectLive(token);
    return disconnectLive;
  }, [token]);

  /** @type {(secret: string, who: Me) => void} */
  const signIn = (secret, who) => {
    setToken(secret);
    setMe(who);
    setNotice('');
    setTokenState(secret);
  };
  const signOut = () => {
    clearToken();
    signedOut();
  };

  let body;
  if (!token) body = html`<${SignInPage} notice=${notice} onSignedIn=${signIn} />`;
  else if (!me) {
    body = meError
      ? html`<div class="empty"><${ErrorNote} error=${meError} /><button type="button" onClick=${loadMe}>Try again</button></div>`
      : html`<${Loading} what="your account" />`;
  } else {
    body = html`<${Header} me=${me} page=${route.page} onSignOut=${signOut} />
      <main class="content"><${Main} me=${me} route=${route} /></main>`;
  }
  return html`${body}<${Toasts} />`;
}

const root = /** @type {HTMLElement} */ (document.getElementById('app'));
root.textContent = ''; // the boot message: Preact 11 renders beside existing children, not over them
render(html`<${App} />`, root);
