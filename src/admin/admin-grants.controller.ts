import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import { AdminApi } from './admin-only.guard';
import { AdminDirectory } from './admin-directory';
import { AdminIdentity } from './admin-identity';
import { AdminGrantDto, CreateGrantDto, GrantsQuery, KnownPermissionDto } from './dto/admin-grant.dto';
import { ParseIdPipe } from '../common/parse-id.pipe';

@AdminApi()
@Controller('admin')
export class AdminGrantsController {
  constructor(
    private readonly directory: AdminDirectory,
    private readonly identity: AdminIdentity,
  ) {}

  @Get('permissions')
  @ApiOperation({ summary: 'Known permissions: declared by a task or granted to someone' })
  @ApiOkResponse({ type: [KnownPermissionDto] })
  permissions(): Promise<KnownPermissionDto[]> {
    return this.directory.knownPermissions();
  }

  @Get('grants')
  @ApiOperation({ summary: 'Grants, optionally of one principal or group' })
  @ApiOkResponse({ type: [AdminGrantDto] })
  @ApiErrors(400)
  grants(@Query() query: GrantsQuery): Promise<AdminGrantDto[]> {
    return this.directory.grants({ principalId: query.principal_id, groupId: query.group_id });
  }

  @Post('grants')
  @ApiOperation({ summary: 'Grant a permission to a principal or a group' })
  @ApiCreatedResponse({ type: AdminGrantDto })
  @ApiErrors(400, 404)
  async grant(@CurrentCaller() caller: Caller, @Body() body: CreateGrantDto): Promise<AdminGrantDto> {
    const [grant] = await this.directory.grants({ id: await this.identity.createGrant(caller, body) });
    return grant;
  }

  @Delete('grants/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take a permission back' })
  @ApiNoContentResponse({ description: 'revoked' })
  @ApiErrors(400, 404)
  async revoke(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.identity.deleteGrant(caller, id);
  }
}
