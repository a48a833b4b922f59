import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import multer from 'multer';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { Caller } from '../permissions/caller';
import { TaskRegistry } from '../task-registry/task-registry';
import { ExecutionsService } from '../executions/executions.service';
import { UploadStore } from '../executions/upload-store';

/**
 * Checks the task before a byte is stored (404 unknown, 415 takes no file, 403 not permitted, 413
 * quota used up), then streams the single `file` part to `STORAGE_DIR`, refusing more than
 * `UPLOAD_LIMIT` with 413.
 */
@Injectable()
export class UploadInterceptor implements NestInterceptor {
  private readonly upload: ReturnType<multer.Multer['single']>;

  constructor(
    protected readonly config: AppConfig,
    private readonly registry: TaskRegistry,
    private readonly executions: ExecutionsService,
    private readonly uploads: UploadStore,
  ) {
    const destination = resolve(config.storageDir);
    mkdirSync(destination, { recursive: true });
    this.upload = multer({
      storage: multer.diskStorage({ destination }),
      limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 10, fieldSize: config.bodyLimitBytes, parts: 12 },
    }).single('file');
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { user: Caller }>();
    const task = this.registry.get(this.taskName(request));
    if (!task.acceptsFile) throw new UnsupportedMediaTypeException(`task "${task.name}" does not take a file; use POST /tasks/execute`);
    await this.executions.authorizeExecute(request.user, task);
    await this.uploads.assertRoom(request.user.principal.id, 0); // a principal at its quota sends no byte to disk
    await new Promise<void>((done, fail) =>
      this.upload(request, http.getResponse<Response>(), (error: unknown) => (error ? fail(toHttpError(error)) : done())),
    );
    return next.handle();
  }

  /** The task the upload is for: the path's `task_name`. */
  protected taskName(request: Request): string {
    return String(request.params.task_name);
  }
}

function toHttpError(error: unknown): Error {
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') return new PayloadTooLargeException('the file is larger than the limit (UPLOAD_LIMIT)');
    if (error.code === 'LIMIT_FIELD_VALUE') return new PayloadTooLargeException('a form field is larger than the limit (BODY_LIMIT)');
    return new BadRequestException(`invalid upload: ${error.message}${error.field ? ` (${error.field})` : ''}`);
  }
  return new BadRequestException(`invalid upload: ${(error as Error)?.message ?? 'unreadable multipart body'}`);
}
