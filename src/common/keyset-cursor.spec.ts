import { decodeCursor, encodeCursor } from './keyset-cursor';

describe('keyset cursors', () => {
  const position = { createdAt: new Date('2026-11-23T10:00:00.123Z'), id: '3f1c2a9e-0000-4000-8000-000000000001', order: 'desc' as const };

  it('round-trips a position', () => {
    expect(decodeCursor(encodeCursor(position), 'desc')).toEqual(position);
  });

  it.each([
    '',
    'not base64 at all!',
    Buffer.from('{}').toString('base64url'),
    Buffer.from('[1,"x","desc"]').toString('base64url'),
    Buffer.from('["a","3f1c2a9e-0000-4000-8000-000000000001","desc"]').toString('base64url'),
  ])('rejects %p', (cursor) => {
    expect(() => decodeCursor(cursor, 'desc')).toThrow(/cursor is invalid/);
  });

  it.each([8.64e15, Date.UTC(10000, 0, 1), -1, -8.64e15])('rejects a cursor at %p ms, outside what a database stores', (millis) => {
    const cursor = Buffer.from(JSON.stringify([millis, position.id, 'desc'])).toString('base64url');
    expect(() => decodeCursor(cursor, 'desc')).toThrow(/cursor is invalid/);
  });

  it('rejects a cursor made for the other order', () => {
    expect(() => decodeCursor(encodeCursor(position), 'asc')).toThrow(/order=desc, not order=asc/);
  });
});
