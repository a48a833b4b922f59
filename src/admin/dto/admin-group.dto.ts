import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { NamedRefDto } from './admin-principal.dto';

export class AdminGroupDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ type: [NamedRefDto] }) members: NamedRefDto[];
  @ApiProperty({ type: [String] }) permissions: string[];
}

export class CreateGroupDto {
  @ApiProperty({ example: 'reporting' })
  @IsString()
  @Length(1, 100)
  name: string;
}
