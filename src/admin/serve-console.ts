import { INestApplication } from '@nestjs/common';
import express from 'express';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `console/` at the project root: the same path from `src/admin` (tests) and `dist/admin`. */
const CONSOLE_DIR = resolve(__dirname, '..', '..', 'console');

/** Browser modules served from installed packages, so the console needs no network at run time. */
const VENDOR_FILES = new Map<string, string>([
  ['preact.mjs', require.resolve('preact')],
  ['hooks.mjs', require.resolve('preact/hooks')],
  // htm's package exports only its CommonJS build; the ES module sits beside it.
  ['htm.mjs', join(dirname(require.resolve('htm')), 'htm.mjs')],
]);

/**
 * Only the console's own files run: the one inline script, the import map, is allowed by its hash.
 * Styles may be inline because Preact sets the progress bars' widths as style attributes.
 */
function contentSecurityPolicy(): string {
  const page = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '';
  const hash = createHash('sha256').update(importMap).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * The web console at `/admin`: static files only, public like any login page. Every piece of data
 * it shows comes from the API with the token the user pasted, so the API's checks apply.
 */
export function serveConsole(app: INestApplication): void {
  const policy = contentSecurityPolicy();
  app.use('/admin', (request: express.Request, response: express.Response, next: express.NextFunction) => {
    response.setHeader('Content-Security-Policy', policy);
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    // `/admin` → `/admin/`, so the page's relative module paths resolve under it.
    if (request.originalUrl === '/admin') return response.redirect(301, '/admin/');
    next();
  });
  app.use('/admin/vendor/:file', (request: express.Request, response: express.Response, next: express.NextFunction) => {
    // A Map, not an object: `__proto__` or `constructor` must not name a file.
    const file = VENDOR_FILES.get(String(request.params.file));
    if (!file) return next();
    response.type('application/javascript').sendFile(file, { maxAge: '1h' });
  });
  app.use('/admin', express.static(CONSOLE_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));
}
