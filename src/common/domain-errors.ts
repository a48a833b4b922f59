/** Errors the domain raises; the exception filter maps each to one HTTP status. */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type DomainErrorKind = 'not_found' | 'forbidden' | 'invalid' | 'conflict' | 'unavailable' | 'too_large' | 'quota_exceeded';

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
}

export class PermissionDeniedError extends DomainError {
  readonly kind = 'forbidden';
}

/** Input that passed the DTO but is wrong for this task (kwargs, timeout above the task's). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid';

  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class ServiceUnavailableError extends DomainError {
  readonly kind = 'unavailable';
}

export class PayloadTooLargeError extends DomainError {
  readonly kind = 'too_large';
}

/** Over a quota of a grant or token (SPEC 7.13): 429, with `Retry-After` when waiting frees a slot at a known time. */
export class QuotaExceededError extends DomainError {
  readonly kind = 'quota_exceeded';

  constructor(
    message: string,
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}
