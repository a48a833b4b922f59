/** `--quota-per-hour N` and `--quota-concurrent N` (SPEC 7.13), as `grant` and `token:create` take them. */
export interface QuotaOptions {
  quotaPerHour?: string;
  quotaConcurrent?: string;
}

/** The quota the options state, null when none; the services check it (so `--quota-per-hour 0` is a 400 like any other). */
export function quotaOf(options: QuotaOptions): Record<string, number> | null {
  const quota = {
    ...(options.quotaPerHour !== undefined ? { per_hour: wholeNumber(options.quotaPerHour) } : {}),
    ...(options.quotaConcurrent !== undefined ? { concurrent: wholeNumber(options.quotaConcurrent) } : {}),
  };
  return Object.keys(quota).length > 0 ? quota : null;
}

/** A number when the text is one (the service says what range it must be in), else the text, which it refuses. */
export function wholeNumber(text: string): number {
  return /^\d+$/.test(text.trim()) ? Number(text) : (text as unknown as number);
}
