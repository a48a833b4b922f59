import { Injectable } from '@nestjs/common';
import { Observable, Subscriber } from 'rxjs';
import { ExecutionDto, toExecutionDto } from '../executions/dto/execution.dto';
import { HISTORY_PAGE } from '../executions/event-keys';
import { isTerminal } from '../executions/execution-status';
import {
  compareStreamIds,
  ExecutionChange,
  ExecutionChangeEvent,
  ExecutionEvent,
  isStreamId,
  toExecutionChange,
} from '../executions/execution-event';
import { ExecutionsService } from '../executions/executions.service';
import type { Caller } from '../permissions/caller';
import { ExecutionFeed } from '../executions/execution-feed';
import { LiveSessions } from './live-sessions';

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
        if (!(await this.executions.isVisible(now, id))) subscriber.complete();
      },
      end: () => subscriber.complete(),
    });
    let lastSent = '0-0';
    let live = false;
    const buffered: ExecutionChangeEvent[] = [];
    /** Sends one change as the record read now with the change's own status and progress; in order, once. */
    const emit = async (event: ExecutionChangeEvent, force = false): Promise<void> => {
      if (subscriber.closed || (!force && compareStreamIds(event.id, lastSent) <= 0)) return;
      const record = await this.executions.findVisible(caller, id);
      if (subscriber.closed || (!force && compareStreamIds(event.id, lastSent) <= 0)) return;
      lastSent = event.id;
      subscriber.next({ id: event.id, execution: withChange(toExecutionDto(record), event.change) });
      if (event.change.is_complete) subscriber.complete();
    };
    // One at a time, in arrival order: each waits for its record read.
    let sending = Promise.resolve();
    const send = (event: ExecutionChangeEvent) => (sending = sending.then(() => emit(event)).catch(() => subscriber.complete()));
    // Listen before reading, so nothing published in between is missed.
    const unsubscribe = this.feed.subscribe(id, (event) => (live ? void send(event) : buffered.push(event)));
    const resume = lastEventId && isStreamId(lastEventId) ? lastEventId : undefined;
    if (resume) lastSent = resume;
    this.catchUp(caller, id, resume, emit).then(
      () => {
        live = true;
        for (const event of buffered.splice(0)) void send(event);
      },
      // The record vanished (deleted) or Redis failed mid-stream: end; the client may reconnect.
      () => subscriber.complete(),
    );
    return () => {
      forget();
      unsubscribe();
    };
  }

  private async catchUp(
    caller: Caller,
    id: string,
    resume: string | undefined,
    emit: (event: ExecutionChangeEvent, force?: boolean) => Promise<void>,
  ): Promise<void> {
    if (!resume) {
      const newest = await this.feed.lastId(id);
      await emit({ id: newest, change: toExecutionChange(await this.executions.findVisible(caller, id)) }, true);
      return;
    }
    // Paged, so a resume never reads more than a page of history in one command.
    for (let after = resume; ;) {
      const page = await this.feed.history(id, after);
      for (const event of page) await emit(event);
      if (page.length < HISTORY_PAGE) break;
      after = page[page.length - 1].id;
    }
    // History may have expired: the record itself says whether the execution already ended.
    const current = await this.executions.findVisible(caller, id);
    if (isTerminal(current.status)) await emit({ id: await this.feed.lastId(id), change: toExecutionChange(current) }, true);
  }
}

/** The change's own state over the record read when it is sent (which may already be further along). */
function withChange(record: ExecutionDto, change: ExecutionChange): ExecutionDto {
  const { status, progress, stage, total_items, completed_items, attempts, is_complete, updated_at } = change;
  return { ...record, status, progress, stage, total_items, completed_items, attempts, is_complete, updated_at };
}
