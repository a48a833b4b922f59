import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import { AdminApi } from './admin-only.guard';
import { AdminDirectory } from './admin-directory';
import { AdminIdentity } from './admin-identity';
import { AdminGroupDto, CreateGroupDto } from './dto/admin-group.dto';
import { ParseIdPipe } from '../common/parse-id.pipe';

@AdminApi()
@Controller('admin/groups')
export class AdminGroupsController {
  constructor(
    private readonly directory: AdminDirectory,
    private readonly identity: AdminIdentity,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every group with its members and permissions' })
  @ApiOkResponse({ type: [AdminGroupDto] })
  list(): Promise<AdminGroupDto[]> {
    return this.directory.groups();
  }

  @Post()
  @ApiOperation({ summary: 'Create a group' })
  @ApiCreatedResponse({ type: AdminGroupDto })
  @ApiErrors(400, 409)
  async create(@CurrentCaller() caller: Caller, @Body() body: CreateGroupDto): Promise<AdminGroupDto> {
    const group = await this.identity.createGroup(caller, body.name);
    return { id: group.id, name: group.name, created_at: group.createdAt.toISOString(), members: [], permissions: [] };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a group with its memberships and grants' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(400, 404)
  async remove(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.identity.deleteGroup(caller, id);
  }

  @Put(':id/members/:principal_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Add a member (adding twice is harmless)' })
  @ApiNoContentResponse({ description: 'is a member' })
  @ApiErrors(400, 404)
  async addMember(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Param('principal_id', ParseIdPipe) principalId: string,
  ): Promise<void> {
    await this.identity.addMember(caller, id, principalId);
  }

  @Delete(':id/members/:principal_id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member' })
  @ApiNoContentResponse({ description: 'no longer a member' })
  @ApiErrors(400, 404)
  async removeMember(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Param('principal_id', ParseIdPipe) principalId: string,
  ): Promise<void> {
    await this.identity.removeMember(caller, id, principalId);
  }
}
