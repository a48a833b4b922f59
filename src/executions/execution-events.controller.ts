import { BeforeApplicationShutdown, Controller, Get, Headers, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery } from '@nestjs/swagger';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiAuthenticated, ApiErrors } from '../common/api-docs';
import { AllowQueryToken } from '../auth/query-token.decorator';
import { compareStreamIds, ExecutionEvent, isStreamId } from '../events/execution-event';
import { ExecutionFeed } from '../events/execution-feed';
import type { Caller } from '../permissions/caller';
import { toExecutionDto } from './dto/execution.dto';
import { ExecutionsService } from './executions.service';

/** Comment lines at this interval keep proxies and load balancers from closing an idle stream. */
export const SSE_KEEPALIVE_MS = 15_000;

@ApiAuthenticated('executions')
@Controller('executions')
export class ExecutionEventsController implements BeforeApplicationShutdown {
  /** Open streams, so a stopping API process can end them instead of waiting on them. */
  private readonly open = new Set<() => void>();

  constructor(
    private readonly executions: ExecutionsService,
    private readonly feed: ExecutionFeed,
  ) {}

  /** Ends every stream; clients reconnect (with `Last-Event-ID`) to another API process. */
  beforeApplicationShutdown(): void {
    for (const finish of [...this.open]) finish();
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
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await this.executions.findVisible(caller, id); // 404 before any byte of the stream
    await this.feed.listening();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');

    let lastSent = '0-0';
    let ended = false;
    const buffered: ExecutionEvent[] = [];
    let live = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      this.open.delete(finish);
      clearInterval(keepAlive);
      unsubscribe();
      res.end();
    };
    const send = (event: ExecutionEvent, force = false) => {
      if (ended || (!force && compareStreamIds(event.id, lastSent) <= 0)) return;
      lastSent = event.id;
      res.write(`id: ${event.id}\nevent: execution\ndata: ${JSON.stringify(event.execution)}\n\n`);
      if (event.execution.is_complete) finish();
    };
    // Listen before reading, so nothing published in between is missed.
    const unsubscribe = this.feed.subscribe(id, (event) => (live ? send(event) : buffered.push(event)));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
    res.on('close', finish);
    this.open.add(finish);

    try {
      if (lastEventId && isStreamId(lastEventId)) {
        lastSent = lastEventId;
        for (const event of await this.feed.history(id, lastEventId)) send(event);
        if (!ended) {
          // History may have expired: the record itself says whether the execution already ended.
          const current = toExecutionDto(await this.executions.findVisible(caller, id));
          if (current.is_complete) send({ id: await this.feed.lastId(id), execution: current }, true);
        }
      } else {
        const newest = await this.feed.lastId(id);
        send({ id: newest, execution: toExecutionDto(await this.executions.findVisible(caller, id)) }, true);
      }
      live = true;
      for (const event of buffered.splice(0)) send(event);
    } catch {
      finish(); // the record vanished (deleted) or Redis failed mid-stream: end; the client may reconnect
    }
  }
}
