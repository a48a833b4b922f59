import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import { AdminApi } from './admin-only.guard';
import { AdminDirectory } from './admin-directory';
import { AdminIdentity } from './admin-identity';
import { AdminPrincipalDto, CreatePrincipalDto, UpdatePrincipalDto } from './dto/admin-principal.dto';
import { AdminTokenDto, CreatedTokenDto, CreateTokenDto, toAdminTokenDto } from './dto/admin-token.dto';
import { ParseIdPipe } from '../common/parse-id.pipe';

@AdminApi()
@Controller('admin/principals')
export class AdminPrincipalsController {
  constructor(
    private readonly directory: AdminDirectory,
    private readonly identity: AdminIdentity,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every principal with its groups and direct grants' })
  @ApiOkResponse({ type: [AdminPrincipalDto] })
  list(): Promise<AdminPrincipalDto[]> {
    return this.directory.principals();
  }

  @Post()
  @ApiOperation({ summary: 'Create a user or service principal' })
  @ApiCreatedResponse({ type: AdminPrincipalDto })
  @ApiErrors(400, 409)
  async create(@CurrentCaller() caller: Caller, @Body() body: CreatePrincipalDto): Promise<AdminPrincipalDto> {
    return this.directory.principal((await this.identity.createPrincipal(caller, body)).id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Disable or enable; make or unmake admin' })
  @ApiOkResponse({ type: AdminPrincipalDto })
  @ApiErrors(400, 404, 409)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdatePrincipalDto,
  ): Promise<AdminPrincipalDto> {
    await this.identity.updatePrincipal(caller, id, body);
    return this.directory.principal(id);
  }

  @Get(':id/tokens')
  @ApiOperation({ summary: 'A principal’s tokens (never the secrets)' })
  @ApiOkResponse({ type: [AdminTokenDto] })
  @ApiErrors(400, 404)
  async tokens(@Param('id', ParseIdPipe) id: string): Promise<AdminTokenDto[]> {
    return (await this.directory.tokensOf(id)).map(toAdminTokenDto);
  }

  @Post(':id/tokens')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a token; its secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedTokenDto })
  @ApiErrors(400, 404)
  async createToken(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: CreateTokenDto,
  ): Promise<CreatedTokenDto> {
    const created = await this.identity.createToken(caller, id, body);
    return { token: toAdminTokenDto(created.token), secret: created.secret };
  }
}
