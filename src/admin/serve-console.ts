import { INestApplication } from '@nestjs/common';
import express from 'express';
import { dirname, join, resolve } from 'node:path';

/** `console/` at the project root: the same path from `src/admin` (tests) and `dist/admin`. */
const CONSOLE_DIR = resolve(__dirname, '..', '..', 'console');

/** Browser modules served from installed packages, so the console needs no network at run time. */
const VENDOR_FILES: Record<string, string> = {
  'preact.mjs': require.resolve('preact'),
  'hooks.mjs': require.resolve('preact/hooks'),
  // htm's package exports only its CommonJS build; the ES module sits beside it.
  'htm.mjs': join(dirname(require.resolve('htm')), 'htm.mjs'),
};

/**
 * The web console at `/admin`: static files only, public like any login page. Every piece of data
 * it shows comes from the API with the token the user pasted, so the API's checks apply.
 */
export function serveConsole(app: INestApplication): void {
  app.use('/admin/vendor/:file', (request: express.Request, response: express.Response, next: express.NextFunction) => {
    const file = VENDOR_FILES[String(request.params.file)];
    if (!file) return next();
    response.type('application/javascript').sendFile(file, { maxAge: '1h' });
  });
  app.use('/admin', (request: express.Request, response: express.Response, next: express.NextFunction) => {
    // `/admin` → `/admin/`, so the page's relative module paths resolve under it.
    if (request.originalUrl === '/admin') return response.redirect(301, '/admin/');
    next();
  });
  app.use('/admin', express.static(CONSOLE_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));
}
