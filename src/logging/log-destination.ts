import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import pino from 'pino';
import { AppConfig } from '../config/app-config';

/**
 * Where log lines go (LOG_FILE, else stdout), written asynchronously: a request never waits for a
 * `write(2)`. What is still buffered is written out at shutdown and when the process exits.
 */
@Injectable()
export class LogDestination implements OnApplicationShutdown {
  readonly stream: pino.DestinationStream & { flushSync(): void };
  private readonly flushOnExit = () => this.flush();

  constructor(config: AppConfig) {
    this.stream = config.logFile
      ? pino.destination({ dest: config.logFile, sync: false, mkdir: true })
      : pino.destination({ dest: 1, sync: false });
    process.once('exit', this.flushOnExit);
  }

  onApplicationShutdown(): void {
    this.flush();
    process.removeListener('exit', this.flushOnExit);
  }

  private flush(): void {
    try {
      this.stream.flushSync();
    } catch {
      // Not ready yet (the file is still being opened) or already closed: nothing is lost that can be saved.
    }
  }
}
