import { BadRequestException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { rm } from 'node:fs/promises';
import { AppConfig } from '../config/app-config';
import { UploadAcceptedDto } from '../executions/dto/execution.dto';
import { ExecutionsService } from '../executions/executions.service';
import { storableFileName, UploadStore } from '../executions/upload-store';
import type { Caller } from '../permissions/caller';
import { parseUploadFields, UploadFormFields } from './upload-fields';

/**
 * An upload request, its `file` already stored by UploadInterceptor, submitted as an execution of
 * `taskName`. Whatever refuses it (no file, bad form fields, quota, permission) leaves no file behind.
 */
@Injectable()
export class UploadSubmissions {
  constructor(
    private readonly config: AppConfig,
    private readonly executions: ExecutionsService,
    private readonly uploads: UploadStore,
  ) {}

  async submit(caller: Caller, taskName: string, request: Request): Promise<UploadAcceptedDto> {
    const file = request.file;
    if (!file) throw new BadRequestException(['file is required: send multipart/form-data with a "file" part']);
    try {
      if (request.headers['idempotency-key'] !== undefined) {
        throw new BadRequestException(['Idempotency-Key is not supported on uploads']);
      }
      const limits = { maxDepth: this.config.jsonMaxDepth, maxString: this.config.jsonMaxString };
      const body = await parseUploadFields(taskName, (request.body ?? {}) as UploadFormFields, limits);
      await this.uploads.assertRoom(caller.principal.id, file.size);
      const name = storableFileName(file.originalname);
      const accepted = await this.executions.submit(caller, body, { file: { path: file.path, name, size: file.size } });
      return { ...accepted, file_name: name, file_size: file.size };
    } catch (error) {
      await rm(file.path, { force: true });
      throw error;
    }
  }
}
