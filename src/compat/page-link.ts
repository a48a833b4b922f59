import type { Request } from 'express';

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The absolute URL of this request with another `page`, as Django REST Framework links pages: the
 * first page's link has no `page` parameter. Scheme and host are the request's: a trusted proxy's
 * (`TRUST_PROXY`) `X-Forwarded-Proto` and `X-Forwarded-Host` count; a host that is no host name gives `localhost`.
 */
export function pageLink(request: Request, page: number): string {
  const host = request.host ?? '';
  const url = new URL(request.originalUrl, `${request.protocol}://${HOST.test(host) ? host : 'localhost'}`);
  if (page === 1) url.searchParams.delete('page');
  else url.searchParams.set('page', String(page));
  return url.toString();
}
