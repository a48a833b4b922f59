import 'reflect-metadata';

export const SENSITIVE_METADATA = 'taskgate:sensitive';

/**
 * Marks a top-level property of a kwargs DTO as sensitive: it is stored encrypted (AES-256-GCM with
 * `SECRETS_KEY`), handed in clear to the handler's `ctx.kwargs`, and shown as `"***"` everywhere
 * else (records, lists, events, webhooks, seed APIs, console). Its JSON schema says `writeOnly`.
 * Validate it as usual (`@IsString()` …): validation sees the clear value.
 */
export function Sensitive(): PropertyDecorator {
  return (target, property) => {
    if (typeof property !== 'string') throw new TypeError('@Sensitive() needs a named property');
    const own = (Reflect.getOwnMetadata(SENSITIVE_METADATA, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(SENSITIVE_METADATA, [...own, property], target);
  };
}

/** The sensitive properties of a kwargs DTO, inherited ones included; none without a DTO. */
export function sensitiveFields(kwargsType: (new () => object) | undefined): string[] {
  if (!kwargsType) return [];
  const fields = new Set<string>();
  for (
    let proto: object | null = kwargsType.prototype as object;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const field of (Reflect.getOwnMetadata(SENSITIVE_METADATA, proto) as string[] | undefined) ?? []) fields.add(field);
  }
  return [...fields].sort();
}
