import { BeforeApplicationShutdown, Controller, Get, Headers, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { AllowQueryToken } from '../auth/query-token.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import type { Caller } from '../permissions/caller';
import { ExecutionEventStream } from './execution-event-stream';
import { sendServerSentEvents } from './server-sent-events';
import { ParseIdPipe } from '../common/parse-id.pipe';

@ApiAuthenticated('executions')
@Controller('executions')
export class ExecutionEventsController implements BeforeApplicationShutdown {
  /** Open streams, so a stopping API process can end them instead of waiting on them. */
  private readonly open = new Set<() => void>();

  constructor(private readonly stream: ExecutionEventStream) {}

  /** Ends every stream; clients reconnect (with `Last-Event-ID`) to another API process. */
  beforeApplicationShutdown(): void {
    for (const end of [...this.open]) end();
  }

  /**
   * Server-Sent Events: the current state first, then one `execution` event per change, each with
   * an `id:`; a client that reconnects with `Last-Event-ID` gets what it missed. Ends after the
   * terminal event.
   */
  @Get(':id/events')
  @AllowQueryToken()
  @ApiOperation({ summary: 'Server-Sent Events: the current state, then one `execution` event per change; ends after the terminal one' })
  @ApiQuery({ name: 'token', required: false, description: 'for browsers (EventSource cannot send headers)' })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'text/event-stream; each event’s data is an Execution', schema: { type: 'string' } })
  @ApiErrors(400, 404)
  async events(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseIdPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const events = await this.stream.open(caller, id, lastEventId); // 404 before any byte of the stream
    const end = sendServerSentEvents(res, events);
    this.open.add(end);
    res.on('close', () => this.open.delete(end));
  }
}
