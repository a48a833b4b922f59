import { HttpException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { InvalidInputError } from '../common/domain-errors';
import { findLimitViolation, JsonLimits } from '../http-security/json-limits';
import { ExecuteTaskDto } from '../executions/dto/execute-task.dto';

/** The upload form in the OpenAPI document. */
export const UPLOAD_FORM = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary' },
    kwargs: { type: 'string', description: 'JSON object' },
    args: { type: 'string', description: 'JSON array' },
    resource: { type: 'string' },
    callback_url: { type: 'string', description: 'where the completion webhook goes' },
    priority: { type: 'integer', minimum: 1, maximum: 100 },
    delay_ms: { type: 'integer', minimum: 0 },
    timeout_ms: { type: 'integer', minimum: 1 },
  },
};

/** Multipart text fields as multer reads them: a repeated field becomes an array. */
export type UploadFormFields = Record<string, string | string[] | undefined>;

const NUMERIC = ['priority', 'delay_ms', 'timeout_ms'] as const;
const ALLOWED = new Set(['kwargs', 'args', 'resource', 'callback_url', ...NUMERIC]);

/**
 * The text fields of an upload form, as an `ExecuteTaskDto`: `kwargs` and `args` are JSON,
 * the numbers are decimal strings. Unknown fields are rejected and the JSON limits apply, as in a
 * JSON body.
 */
export async function parseUploadFields(taskName: string, fields: UploadFormFields, limits: JsonLimits): Promise<ExecuteTaskDto> {
  const problems = Object.keys(fields)
    .filter((key) => !ALLOWED.has(key))
    .map((key) => `${key}: property ${key} should not exist`);
  const plain: Record<string, unknown> = { task_name: taskName };
  for (const key of ['kwargs', 'args'] as const) {
    if (fields[key] === undefined) continue;
    try {
      plain[key] = JSON.parse(String(fields[key]));
    } catch {
      problems.push(`${key} must be JSON`);
    }
  }
  if (fields.resource !== undefined) plain.resource = fields.resource;
  if (fields.callback_url !== undefined) plain.callback_url = fields.callback_url;
  for (const key of NUMERIC) {
    if (fields[key] === undefined) continue;
    plain[key] = /^-?\d+$/.test(String(fields[key])) ? Number(fields[key]) : fields[key];
  }
  // Checked once `kwargs` and `args` are JSON again, before anything recurses into them.
  const violation = findLimitViolation(plain, limits, 'the form');
  if (violation) throw new HttpException(violation.message, violation.status);
  const dto = plainToInstance(ExecuteTaskDto, plain);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  problems.push(...errors.flatMap((error) => Object.values(error.constraints ?? {})));
  if (problems.length > 0) throw new InvalidInputError(problems);
  return dto;
}
