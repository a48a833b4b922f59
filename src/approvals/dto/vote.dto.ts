import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** `POST /executions/{id}/approve` and `/reject` (SPEC 7.11): an optional comment, listed with the vote. */
export class VoteDto {
  @ApiPropertyOptional({ maxLength: 1000, example: 'checked with the customer' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}
