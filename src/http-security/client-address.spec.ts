import type { IncomingMessage } from 'node:http';
import { clientAddress } from './client-address';

describe('clientAddress', () => {
  const request = (socket: string, forwardedFor?: string) =>
    ({
      socket: { remoteAddress: socket },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    }) as unknown as IncomingMessage;
  const trustLoopback = (address: string) => address === '127.0.0.1';

  it('is the socket address when no proxy is trusted, whatever the header says', () => {
    expect(clientAddress(request('127.0.0.1', '203.0.113.7'), () => false)).toBe('127.0.0.1');
  });

  it('walks back through X-Forwarded-For only while each hop is trusted', () => {
    expect(clientAddress(request('127.0.0.1', '203.0.113.7'), trustLoopback)).toBe('203.0.113.7');
    // A client cannot forge its way past the first untrusted hop.
    expect(clientAddress(request('127.0.0.1', '10.9.9.9, 198.51.100.4'), trustLoopback)).toBe('198.51.100.4');
    expect(clientAddress(request('192.0.2.1', '203.0.113.7'), trustLoopback)).toBe('192.0.2.1');
  });

  it('honours a hop count', () => {
    const twoHops = (_address: string, hop: number) => hop < 2;
    expect(clientAddress(request('127.0.0.1', '203.0.113.7, 10.0.0.2'), twoHops)).toBe('203.0.113.7');
    expect(clientAddress(request('127.0.0.1'), twoHops)).toBe('127.0.0.1');
  });
});
