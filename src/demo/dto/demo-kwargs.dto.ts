import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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
