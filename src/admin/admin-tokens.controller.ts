import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import { AdminApi } from './admin-only.guard';
import { AdminIdentity } from './admin-identity';
import { AdminTokenDto, toAdminTokenDto } from './dto/admin-token.dto';
import { ParseIdPipe } from '../common/parse-id.pipe';

@AdminApi()
@Controller('admin/tokens')
export class AdminTokensController {
  constructor(private readonly identity: AdminIdentity) {}

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a token at once (revoking twice keeps the first time)' })
  @ApiOkResponse({ type: AdminTokenDto })
  @ApiErrors(400, 404)
  async revoke(@CurrentCaller() caller: Caller, @Param('id', ParseIdPipe) id: string): Promise<AdminTokenDto> {
    return toAdminTokenDto(await this.identity.revokeToken(caller, id));
  }
}
