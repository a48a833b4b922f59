import { PermissionGrant } from '../../src/auth/permission-grant.entity';
import { PrincipalsService } from '../../src/auth/principals.service';
import { TokensService } from '../../src/auth/tokens.service';
import { AppRoute } from './app-routes';
import { createCaller, dataSource, TestCaller, uniqueName } from './factories';
import { TestApp } from './test-app';

export type OpenApiDocument = Record<string, any>;

/** A request a route should accept from its rightful caller. */
export interface RouteSample {
  path: string;
  query: Record<string, string>;
  body?: Record<string, unknown>;
  form?: Record<string, string>;
  /** Permissions the request needs besides being the owner (or admin); a token scoped away from them gets 403. */
  needs: string[];
  /**
   * Permissions a scoped token needs to see the execution in the path at all (its task's): a token
   * scoped away from them gets 404, as for another principal's.
   */
  visibleWith: string[];
}

/** Path parameters that name an execution: `before/param`. */
const EXECUTION_PARAMS = new Set(['executions/id', 'tasks/id', 'tasks/task_id', 'learning-paths/learning_path_id']);

/** Valid bodies by their OpenAPI schema. A route with a body not listed here fails the suites, naming it. */
export const SAMPLE_BODIES: Record<string, () => { body: Record<string, unknown>; needs: string[] }> = {
  ExecuteTaskDto: () => ({ body: { task_name: 'demo.add', kwargs: { a: 1, b: 2 } }, needs: ['demo.run'] }),
  ExecuteBatchDto: () => ({ body: { items: [{ task_name: 'demo.add', kwargs: { a: 1, b: 2 } }] }, needs: ['demo.run'] }),
  // Explain refuses nothing: a request the caller may not make is an answer (`outcome: denied`), not a 403.
  ExplainRequestDto: () => ({ body: { task_name: 'demo.add', kwargs: { a: 1, b: 2 } }, needs: [] }),
  // A vote needs no permission, only membership of the group the execution waits on (SPEC 7.11).
  VoteDto: () => ({ body: { comment: 'sample' }, needs: [] }),
  UpdateExecutionDto: () => ({ body: { progress: 5 }, needs: ['executions.update'] }),
  V1TaskUpdateDto: () => ({ body: { progress: 5 }, needs: ['executions.update'] }),
  BulkActionDto: () => ({ body: { filter: { status: 'pending' }, dry_run: true }, needs: [] }),
  CreatePrincipalDto: () => ({ body: { name: uniqueName('sample') }, needs: [] }),
  UpdatePrincipalDto: () => ({ body: { disabled: false }, needs: [] }),
  CreateTokenDto: () => ({ body: { name: 'sample' }, needs: [] }),
  CreateGroupDto: () => ({ body: { name: uniqueName('sample') }, needs: [] }),
  CreateGrantDto: () => ({ body: { permission: 'sample.permission' }, needs: [] }), // the holder is added by build()
};

/**
 * Builds, for any route of the app, a request that should succeed, on fixtures made fresh for it:
 * path parameters are resolved by the segment they follow, bodies by their OpenAPI schema.
 */
export class RouteSamples {
  constructor(
    private readonly t: TestApp,
    private readonly document: OpenApiDocument,
  ) {}

  operation(route: AppRoute): Record<string, any> {
    const operation = this.document.paths[route.template]?.[route.method];
    if (!operation) throw new Error(`${route.name} is served but missing from the OpenAPI document`);
    return operation;
  }

  /** The name of a route's JSON body schema, `ExecuteTaskDto`; null for a route without one. */
  bodySchema(route: AppRoute): string | null {
    const ref = this.operation(route).requestBody?.content?.['application/json']?.schema?.$ref;
    return ref ? (String(ref).split('/').pop() as string) : null;
  }

  /** The fields a route's body declares (JSON or multipart); null for a route without a body. */
  bodyProperties(route: AppRoute): Set<string> | null {
    const content = this.operation(route).requestBody?.content ?? {};
    const schema = content['application/json']?.schema ?? content['multipart/form-data']?.schema;
    if (!schema) return null;
    const resolved = schema.$ref ? this.document.components.schemas[String(schema.$ref).split('/').pop() as string] : schema;
    return new Set(Object.keys(resolved?.properties ?? {}));
  }

  async build(route: AppRoute, owner: TestCaller): Promise<RouteSample> {
    const operation = this.operation(route);
    const needs: string[] = [];
    const visibleWith: string[] = [];
    const values: string[] = [];
    const segments = route.path.split('/');
    for (const param of route.params) {
      const before = segments[segments.indexOf(`:${param}`) - 1];
      values.push(await this.pathValue(route, before, param, owner, needs, values));
      if (EXECUTION_PARAMS.has(`${before}/${param}`)) visibleWith.push('demo.run'); // the sample executions run demo.add
    }
    if (route.path === '/api/v1/tasks/upload') needs.push('demo.files'); // the seed upload runs COMPAT_UPLOAD_TASK, demo.checksum
    let index = 0;
    const sample: RouteSample = { path: route.path.replace(/:(\w+)/g, () => values[index++]), query: {}, needs, visibleWith };
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in === 'query' && parameter.required) sample.query[parameter.name] = 'sample';
    }
    const content = operation.requestBody?.content ?? {};
    if (content['multipart/form-data']) {
      sample.form = { kwargs: '{}' };
    } else if (content['application/json']) {
      const schema = this.bodySchema(route) ?? '';
      const make = SAMPLE_BODIES[schema];
      if (!make) throw new Error(`${route.name}: no sample body for schema "${schema}"; add one to test/support/route-samples.ts`);
      const made = make();
      sample.body = made.body;
      needs.push(...made.needs);
      if (schema === 'CreateGrantDto') sample.body.principal_id = (await createCaller(this.t.app)).principal.id;
    }
    return sample;
  }

  private readonly groupNames = new Map<string, string>();
  private learningPaths = Math.floor(Math.random() * 1e9);

  private async pathValue(
    route: AppRoute,
    before: string,
    param: string,
    owner: TestCaller,
    needs: string[],
    earlier: string[],
  ): Promise<string> {
    const app = this.t.app;
    switch (`${before}/${param}`) {
      case 'executions/id':
      case 'tasks/id': // the seed APIs' (SPEC 8)
      case 'tasks/task_id': {
        // Cancel and PATCH need an execution that can still change; the rest one that has finished.
        const open = route.path.endsWith('/cancel') || route.method === 'patch';
        if (route.path.endsWith('/retry')) needs.push('demo.run');
        return this.execution(owner, open ? 'pending' : 'cancelled');
      }
      case 'learning-paths/learning_path_id': {
        const path = String(++this.learningPaths);
        await this.execution(owner, 'cancelled', `learning_path:${path}`);
        return path;
      }
      case 'tasks/task_name':
        needs.push('demo.files');
        return 'demo.checksum';
      case 'principals/id':
        return (await createCaller(app)).principal.id;
      case 'members/principal_id': {
        // Removing needs a member; adding takes anyone.
        const member = await createCaller(app);
        const group = this.groupNames.get(earlier[earlier.length - 1]) as string;
        if (route.method === 'delete') await app.get(PrincipalsService).addMember(group, member.principal.name);
        return member.principal.id;
      }
      case 'tokens/id':
        return (await createCaller(app)).token.id;
      case 'groups/id': {
        const group = await app.get(PrincipalsService).createGroup(uniqueName('group'));
        this.groupNames.set(group.id, group.name);
        return group.id;
      }
      case 'grants/id': {
        const holder = await createCaller(app);
        await app.get(PrincipalsService).grant(holder.principal.name, ['sample.permission']);
        return (await dataSource(app).getRepository(PermissionGrant).findOneByOrFail({ principalId: holder.principal.id })).id;
      }
      default:
        throw new Error(
          `${route.name}: no sample for path parameter "${param}" after "${before}"; add one to test/support/route-samples.ts`,
        );
    }
  }

  /** A demo.add execution of `owner`, left pending (no worker runs in these apps) or cancelled. */
  async execution(owner: TestCaller, status: 'pending' | 'cancelled', resource?: string): Promise<string> {
    const accepted = await this.t
      .http()
      .post('/api/v1/tasks/execute')
      .set('Authorization', owner.auth)
      .send({ task_name: 'demo.add', kwargs: { a: 1, b: 2 }, ...(resource ? { resource } : {}) })
      .expect(202);
    const id = accepted.body.execution_id as string;
    if (status === 'cancelled') await this.t.http().post(`/api/v1/executions/${id}/cancel`).set('Authorization', owner.auth).expect(202);
    return id;
  }
}

/** Sends a sample with the given headers (none: no token at all). SSE streams end: samples use finished executions. */
export function sendSample(
  t: TestApp,
  route: AppRoute,
  sample: RouteSample,
  headers: Record<string, string> = {},
  query: Record<string, string> = {},
) {
  let call = t
    .http()
    [route.method](sample.path)
    .query({ ...sample.query, ...query })
    .timeout(15_000);
  for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
  if (sample.form) {
    for (const [name, value] of Object.entries(sample.form)) call = call.field(name, value);
    return call.attach('file', Buffer.from('sample file'), 'sample.txt');
  }
  return sample.body ? call.send(sample.body) : call;
}

/**
 * The status a request got. A batch answers 200 and gives each item the status it would have had
 * alone: its sample's one item stands for the request.
 */
export function effectiveStatus(response: { status: number; body?: { results?: Array<{ status: number }> } }): number {
  const results = response.status === 200 ? response.body?.results : undefined;
  return results?.length === 1 ? results[0].status : response.status;
}

/** A token of `caller`'s principal limited to `scopes`. */
export async function scopedToken(t: TestApp, caller: TestCaller, scopes: string[]): Promise<string> {
  const { secret } = await t.app.get(TokensService).create(caller.principal.id, { name: 'scoped', scopes });
  return `Bearer ${secret}`;
}
