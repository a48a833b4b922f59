import { Injectable } from '@nestjs/common';
import { Observable, Subscriber } from 'rxjs';
import { toExecutionDto } from '../executions/dto/execution.dto';
import { compareStreamIds, ExecutionEvent, isStreamId } from '../executions/execution-event';
import { ExecutionsService } from '../executions/executions.service';
import type { Caller } from '../permissions/caller';
import { ExecutionFeed } from './execution-feed';
import { LiveSessions } from './live-sessions';
import { NotFoundError } from '../common/domain-errors';

/**
 * One caller following one execution: its current state (or, given a `Last-Event-ID`, what came
 * after it), then each change in order, without gaps or repeats; complete after the terminal event.
 */
@Injectable()
export class ExecutionEventStream {
  constructor(
    private readonly executions: ExecutionsService,
    private readonly feed: ExecutionFeed,
    private readonly sessions: LiveSessions,
  ) {}

  /** Rejects (404) before anything is sent when the caller may not read the execution. */
  async open(caller: Caller, id: string, lastEventId?: string): Promise<Observable<ExecutionEvent>> {
    await this.executions.findVisible(caller, id);
    await this.feed.listening();
    return new Observable((subscriber) => this.follow(subscriber, caller, id, lastEventId));
  }

  private follow(subscriber: Subscriber<ExecutionEvent>, caller: Caller, id: string, lastEventId?: string): () => void {
    // The stream lasts only while its caller may still read the execution (identity changes, expiry).
    const forget = this.sessions.add({
      caller,
      revalidated: async (now) => {
        if (!(await this.stillVisible(now, id))) subscriber.complete();
      },
      end: () => subscriber.complete(),
    });
    let lastSent = '0-0';
    let live = false;
    const buffered: ExecutionEvent[] = [];
    const emit = (event: ExecutionEvent, force = false) => {
      if (subscriber.closed || (!force && compareStreamIds(event.id, lastSent) <= 0)) return;
      lastSent = event.id;
      subscriber.next(event);
      if (event.execution.is_complete) subscriber.complete();
    };
    // Listen before reading, so nothing published in between is missed.
    const unsubscribe = this.feed.subscribe(id, (event) => (live ? emit(event) : buffered.push(event)));
    const resume = lastEventId && isStreamId(lastEventId) ? lastEventId : undefined;
    if (resume) lastSent = resume;
    this.catchUp(caller, id, resume, emit).then(
      () => {
        live = true;
        for (const event of buffered.splice(0)) emit(event);
      },
      // The record vanished (deleted) or Redis failed mid-stream: end; the client may reconnect.
      () => subscriber.complete(),
    );
    return () => {
      forget();
      unsubscribe();
    };
  }

  private async stillVisible(caller: Caller, id: string): Promise<boolean> {
    try {
      await this.executions.findVisible(caller, id);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  private async catchUp(caller: Caller, id: string, resume: string | undefined, emit: (event: ExecutionEvent, force?: boolean) => void): Promise<void> {
    if (!resume) {
      const newest = await this.feed.lastId(id);
      emit({ id: newest, execution: toExecutionDto(await this.executions.findVisible(caller, id)) }, true);
      return;
    }
    for (const event of await this.feed.history(id, resume)) emit(event);
    // History may have expired: the record itself says whether the execution already ended.
    const current = toExecutionDto(await this.executions.findVisible(caller, id));
    if (current.is_complete) emit({ id: await this.feed.lastId(id), execution: current }, true);
  }
}
