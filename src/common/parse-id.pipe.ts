import { ArgumentMetadata, Injectable, ParseUUIDPipe } from '@nestjs/common';

/**
 * A UUID path parameter, lower-cased: ids are stored lower-case, and PostgreSQL's uuid type would
 * match an upper-case one where SQLite's text would not, so both answer alike.
 */
@Injectable()
export class ParseIdPipe extends ParseUUIDPipe {
  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return (await super.transform(value, metadata)).toLowerCase();
  }
}

/** For DTO fields: `@Transform(lowerCaseId)` beside `@IsUUID`, for the same reason. */
export const lowerCaseId = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.toLowerCase() : value);
