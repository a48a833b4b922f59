import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Sensitive } from '../../task-registry/sensitive.decorator';

export class AddKwargs {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  a: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  b: number;
}

export class SleepKwargs {
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  ms: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  steps?: number;
}

export class FailKwargs {
  @IsString()
  @MaxLength(1000)
  message: string;
}

export class NotifyKwargs {
  @IsString()
  @MaxLength(320)
  to: string;

  /** Encrypted at rest; the handler alone sees it in clear. */
  @Sensitive()
  @IsString()
  @MaxLength(4096)
  api_key: string;
}
