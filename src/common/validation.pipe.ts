import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

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
