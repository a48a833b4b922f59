import { Injectable } from '@nestjs/common';
import { UploadInterceptor } from '../executions-api/upload.interceptor';

/** The native upload checks and storage, for the task `COMPAT_UPLOAD_TASK` names (the seed route has no task in its path). */
@Injectable()
export class SeedUploadInterceptor extends UploadInterceptor {
  protected override taskName(): string {
    return this.config.compatUploadTask;
  }
}
