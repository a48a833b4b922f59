import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { WholeNumberQuery } from './whole-number-query';

export const DEFAULT_PAGE_SIZE = 20;

/** `limit` and `cursor` of every keyset-paged list. */
export class KeysetPageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE })
  @WholeNumberQuery('limit', 1, 100)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}
