import { Injectable, NotFoundException, PipeTransform } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A task id of a seed route, lower-cased. The seed documents answer a task that does not exist with
 * 404 whatever its shape (`task_abc123`, a bare timestamp), so a malformed id is a 404 here, not a
 * 400, and like the native 400 it is answered before any query. It also keeps the native routes'
 * words (`available`, `execute`, …) from ever being taken for task ids.
 */
@Injectable()
export class SeedTaskIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UUID.test(value)) throw new NotFoundException(`task ${value.slice(0, 100)} not found`);
    return value.toLowerCase();
  }
}
