import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorBody } from '../common/api-exception.filter';
import { kwargsSchema, kwargsSchemaName } from '../task-registry/kwargs-validation';
import { TaskRegistry } from '../task-registry/task-registry';

/**
 * The OpenAPI 3 document: every route with its request, response and error schemas, bearer auth,
 * and one `TaskKwargs.<task>` component per registered task. Built on first request, after the
 * registry has discovered the tasks. Swagger UI at `/api/docs`, JSON at `/api/docs-json`.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('taskgate')
    .setDescription(
      'Permission-gated remote task execution. Authenticate with `Authorization: Bearer <token>` ' +
        '(or `Token <token>`). Each task’s kwargs schema is the component `TaskKwargs.<task name>`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API token: tgw_ + 40 characters' })
    .build();
  const documentFactory = (): OpenAPIObject => {
    const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorBody] });
    const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
    for (const task of app.get(TaskRegistry).all()) {
      schemas[kwargsSchemaName(task)] = { ...kwargsSchema(task), description: `kwargs of ${task.name}: ${task.description}` };
    }
    return document;
  };
  SwaggerModule.setup('api/docs', app, documentFactory, { jsonDocumentUrl: 'api/docs-json', useGlobalPrefix: false });
}
