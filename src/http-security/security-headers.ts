import helmet from 'helmet';

/**
 * helmet's headers on every response (CSP, HSTS, nosniff, frame and referrer policies, no
 * X-Powered-By). Its CSP suits Swagger UI as is, except `upgrade-insecure-requests`, which would
 * send the docs' own scripts to https:// on a plain-HTTP deployment. The console at /admin replaces
 * the CSP with its own, stricter one (see serve-console.ts), so this must run before it.
 */
export function securityHeaders() {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}
