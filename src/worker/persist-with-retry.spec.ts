import { Logger } from '@nestjs/common';
import { persistWithRetry } from './persist-with-retry';

describe('persistWithRetry', () => {
  const logger = new Logger('test');
  beforeEach(() => jest.spyOn(logger, 'warn').mockImplementation(() => undefined));

  it('retries a failing write until it succeeds', async () => {
    let calls = 0;
    const write = async () => {
      calls++;
      if (calls < 3) throw new Error('connection refused');
      return 'written';
    };
    await expect(persistWithRetry('the outcome', 10_000, write, logger)).resolves.toBe('written');
    expect(calls).toBe(3);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('gives up with the last error once the window has passed', async () => {
    let calls = 0;
    const write = async () => {
      calls++;
      throw new Error(`down ${calls}`);
    };
    await expect(persistWithRetry('the outcome', 500, write, logger)).rejects.toThrow(/down/);
    expect(calls).toBeGreaterThan(1);
  });

  it('does not retry at all with a window of 0', async () => {
    let calls = 0;
    const write = async () => {
      calls++;
      throw new Error('down');
    };
    await expect(persistWithRetry('the outcome', 0, write, logger)).rejects.toThrow('down');
    expect(calls).toBe(1);
  });
});
