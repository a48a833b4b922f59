import { INestApplication } from '@nestjs/common';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface AppRoute {
  method: HttpMethod;
  /** Express pattern, `/api/v1/executions/:id`. */
  path: string;
  /** OpenAPI template, `/api/v1/executions/{id}`. */
  template: string;
  params: string[];
  /** `GET /api/v1/executions/:id`, for messages. */
  name: string;
}

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Every route the app serves, read from Express's router after Nest registered them, so a route
 * added tomorrow is in the list without anyone writing it down. Middleware mounts (all methods at
 * once) and Swagger UI's own files are left out.
 */
export function appRoutes(app: INestApplication): AppRoute[] {
  const stack = (app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router.stack;
  const routes = new Map<string, AppRoute>();
  for (const layer of stack) {
    const methods = Object.keys(layer.route?.methods ?? {});
    if (!layer.route || methods.length !== 1 || layer.route.path.startsWith('/api/docs')) continue;
    const method = methods[0] as HttpMethod;
    const path = layer.route.path;
    const params = [...path.matchAll(/:(\w+)/g)].map((match) => match[1]);
    routes.set(`${method} ${path}`, {
      method,
      path,
      template: path.replace(/:(\w+)/g, '{$1}'),
      params,
      name: `${method.toUpperCase()} ${path}`,
    });
  }
  return [...routes.values()];
}

/** What SPEC.md lets through without a token: health, metrics (its own optional token), the docs. */
export function isPublicBySpec(route: AppRoute): boolean {
  return /^\/health\//.test(route.path) || route.path === '/metrics';
}

export function isAdminRoute(route: AppRoute): boolean {
  return route.path.startsWith('/api/v1/admin/');
}

/** The seed APIs' routes (SPEC 8) that name one task by its id. */
const SEED_TASK_ROUTE = /^\/api\/tasks\/:(id|task_id)(\/|$)|^\/api\/v1\/tasks\/:task_id(\/|$)/;

export function isSeedTaskRoute(route: AppRoute): boolean {
  return SEED_TASK_ROUTE.test(route.path);
}

/** Routes acting on one execution, native or seed, which another principal must find exactly like a missing one. */
export function isExecutionRoute(route: AppRoute): boolean {
  return route.path.startsWith('/api/v1/executions/:id') || isSeedTaskRoute(route);
}

/** The execution id in a filled-in path. */
export function executionIdIn(path: string): string {
  const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(path)?.[0];
  if (!id) throw new Error(`no execution id in ${path}`);
  return id;
}

/** Fills the path parameters, in order. */
export function fillPath(route: AppRoute, values: string[]): string {
  let index = 0;
  return route.path.replace(/:(\w+)/g, () => values[index++]);
}
