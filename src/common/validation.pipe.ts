import { BadRequestException, Type, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * The global pipe: unknown fields are rejected, not ignored, and every offending field is listed
 * as `field: problem`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new BadRequestException(listProblems(errors)),
  });
}

function listProblems(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => (text.startsWith(path) ? text : `${path}: ${text}`));
    return [...own, ...listProblems(error.children ?? [], path)];
  });
}

const pipe = createValidationPipe();

/**
 * A value checked against a DTO by the global pipe's own rules, for what arrives inside a body
 * (a batch's items): the instance, or the problems the pipe would have answered 400 with.
 */
export async function checkDto<T>(type: Type<T>, value: unknown): Promise<{ ok: true; value: T } | { ok: false; problems: string[] }> {
  try {
    return { ok: true, value: (await pipe.transform(value, { type: 'body', metatype: type })) as T };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { ok: false, problems: [(error.getResponse() as { message: string | string[] }).message].flat() };
  }
}
