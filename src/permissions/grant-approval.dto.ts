import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** SPEC 7.11, as documented; checked by the service (which knows the groups), a 400 listing what is wrong. */
export class GrantApprovalDto {
  @ApiProperty({ description: 'a group name: its members other than the requester approve' }) group: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 10, description: 'distinct approvals needed; 1 when left out' }) quorum?: number;
  @ApiPropertyOptional({
    example: '24h',
    description: 'cancelled when not approved within it (s, m, h, d; at most 30d); 24h when left out',
  })
  timeout?: string;
}
