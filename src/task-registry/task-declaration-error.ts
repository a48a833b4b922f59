/** A bad `@ApiTask` declaration; thrown at boot so the process never starts with it. */
export class TaskDeclarationError extends Error {
  constructor(source: string, problem: string) {
    super(`@ApiTask on ${source}: ${problem}`);
    this.name = 'TaskDeclarationError';
  }
}
