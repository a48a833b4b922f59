import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { rm } from 'node:fs/promises';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { PayloadTooLargeError } from '../common/domain-errors';
import { Execution } from './execution.entity';

/** The `file_name` column's length. */
export const MAX_FILE_NAME = 255;
const MAX_KEPT_EXTENSION = 16;

/**
 * Uploaded files on disk. A retry shares its original's file (the records point at one path), so a
 * file goes when the last execution that names it goes; each principal's files together stay within
 * `UPLOAD_QUOTA`.
 */
@Injectable()
export class UploadStore {
  constructor(
    @InjectRepository(Execution) private readonly executions: Repository<Execution>,
    private readonly config: AppConfig,
  ) {}

  /** Bytes the principal's stored files take, each file counted once however many executions share it. */
  async usage(ownerId: string): Promise<number> {
    const row = await this.executions.manager
      .createQueryBuilder()
      .select('SUM(files.file_size)', 'used')
      .from(
        (files) =>
          files
            .select('DISTINCT e.file_path', 'file_path')
            .addSelect('e.file_size', 'file_size')
            .from(Execution, 'e')
            .where('e.owner_id = :ownerId', { ownerId })
            .andWhere('e.file_path IS NOT NULL'),
        'files',
      )
      .getRawOne<{ used: string | number | null }>();
    return Number(row?.used ?? 0);
  }

  /** 413 when `incoming` more bytes would take the principal past its quota (0 bytes: is the quota already used up?). */
  async assertRoom(ownerId: string, incoming: number): Promise<void> {
    const quota = this.config.uploadQuotaBytes;
    const used = await this.usage(ownerId);
    const free = 'delete finished executions to free room';
    if (incoming === 0 && used >= quota) {
      throw new PayloadTooLargeError(`your uploads already take ${used} bytes, the quota of ${quota} bytes (UPLOAD_QUOTA); ${free}`);
    }
    if (used + incoming > quota) {
      throw new PayloadTooLargeError(
        `your uploads would take ${used + incoming} bytes, over the quota of ${quota} bytes (UPLOAD_QUOTA); ${free}`,
      );
    }
  }

  /** Removes the file once no execution names it any more (call after the record is gone). */
  async release(path: string | null): Promise<void> {
    if (!path) return;
    if (await this.executions.existsBy({ filePath: path })) return;
    await rm(path, { force: true });
  }
}

/** A client's file name cut to the column, keeping a short extension: `very…long.pdf` stays a `.pdf`. */
export function storableFileName(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_FILE_NAME) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_KEPT_EXTENSION ? [...name.slice(dot)] : [];
  return [...chars.slice(0, MAX_FILE_NAME - extension.length - 1), '…', ...extension].join('');
}
