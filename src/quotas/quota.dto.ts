import { ApiPropertyOptional } from '@nestjs/swagger';

/** SPEC 7.13, as documented; checked by the service. */
export class QuotaDto {
  @ApiPropertyOptional({ minimum: 1, description: 'executions started in any hour' }) per_hour?: number;
  @ApiPropertyOptional({ minimum: 1, description: 'executions pending, awaiting approval or running at once' }) concurrent?: number;
}
