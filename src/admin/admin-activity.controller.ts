import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AuditLog } from '../audit/audit-log';
import { DEFAULT_PAGE_SIZE } from '../common/keyset-page.query';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/api-docs';
import { ExecutionsQueryService } from '../executions/executions-query.service';
import type { Caller } from '../permissions/caller';
import { AdminApi } from './admin-only.guard';
import { AdminOverview } from './admin-overview';
import { AdminOverviewDto, OverviewQuery } from './dto/admin-overview.dto';
import { AuditPageDto, AuditQueryDto, toAuditEventDto } from './dto/audit-event.dto';

/** What has been happening: the audit log and the executions overview. */
@AdminApi()
@Controller('admin')
export class AdminActivityController {
  constructor(
    private readonly audit: AuditLog,
    private readonly overview: AdminOverview,
    private readonly queries: ExecutionsQueryService,
  ) {}

  @Get('audit')
  @ApiOperation({ summary: 'The audit log, newest first, keyset-paged' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(400)
  async auditLog(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    const page = await this.audit.list({
      actor: query.actor,
      action: query.action,
      after: query.after ? new Date(query.after) : undefined,
      before: query.before ? new Date(query.before) : undefined,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
    return { items: page.items.map(toAuditEventDto), next_cursor: page.nextCursor };
  }

  @Get('overview')
  @ApiOperation({ summary: 'Counts per status and executions created per hour' })
  @ApiOkResponse({ type: AdminOverviewDto })
  @ApiErrors(400)
  async overviewOf(@CurrentCaller() caller: Caller, @Query() query: OverviewQuery): Promise<AdminOverviewDto> {
    const [statistics, timeline] = await Promise.all([this.queries.statistics(caller), this.overview.timeline(query.hours ?? 24)]);
    return { statistics, timeline };
  }
}
