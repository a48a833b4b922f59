import { Injectable } from '@nestjs/common';
import { TaskDefinition } from '../task-registry/task-definition';
import { isSealed, SecretsCipher } from './secrets-cipher';

type Kwargs = Record<string, unknown>;

/** A task's `@Sensitive()` kwargs, sealed for storage and opened for its handler; the other fields are left as they are. */
@Injectable()
export class SensitiveKwargs {
  constructor(private readonly cipher: SecretsCipher) {}

  /** The kwargs as stored: each sensitive value sealed. */
  seal(task: TaskDefinition, kwargs: Kwargs): Kwargs {
    return this.map(task, kwargs, (field, value) => this.cipher.seal(field, value));
  }

  /** The kwargs in clear, for the handler (and for checking a retry's input again). */
  open(task: TaskDefinition, kwargs: Kwargs): Kwargs {
    return this.map(task, kwargs, (field, value) => (isSealed(value) ? this.cipher.open(field, value) : value));
  }

  /** The kwargs as an idempotency digest takes them: each sensitive value as a keyed fingerprint. */
  fingerprint(task: TaskDefinition | undefined, kwargs: Kwargs): Kwargs {
    if (!task) return kwargs;
    return this.map(task, kwargs, (field, value) => ({ $fingerprint: this.cipher.fingerprint(field, value) }));
  }

  private map(task: TaskDefinition, kwargs: Kwargs, change: (field: string, value: unknown) => unknown): Kwargs {
    if (task.sensitiveFields.length === 0 || !kwargs || typeof kwargs !== 'object') return kwargs;
    const copy = { ...kwargs };
    for (const field of task.sensitiveFields) if (copy[field] !== undefined) copy[field] = change(field, copy[field]);
    return copy;
  }
}
