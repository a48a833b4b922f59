import { maskId, redactUrl, scrubRecord, scrubTokens } from './redaction';

const token = 'tgw_' + 'Ab3_-'.repeat(8);

describe('log redaction', () => {
  it('scrubs token-looking strings anywhere in a text', () => {
    expect(scrubTokens(`Bearer ${token} and again ${token}!`)).toBe('Bearer tgw_[REDACTED] and again tgw_[REDACTED]!');
  });

  it('scrubs truncated and padded tokens too, but leaves the short display prefix', () => {
    expect(scrubTokens(`/executions/${token.slice(0, -1)}`)).toBe('/executions/tgw_[REDACTED]');
    expect(scrubTokens(`${token}xyz`)).toBe('tgw_[REDACTED]');
    expect(scrubTokens('prefix tgw_Ab3_')).toBe('prefix tgw_Ab3_');
  });

  it('redacts ?token= and masks ids in URLs', () => {
    const id = '3f1c2a9e-1234-4abc-8def-0123456789ab';
    expect(redactUrl(`/api/v1/executions/${id}/events?token=${token}&x=1`)).toBe(
      '/api/v1/executions/3f1c2a9e…/events?token=[REDACTED]&x=1',
    );
    expect(redactUrl('/api/v1/ws?token=short-but-secret')).toBe('/api/v1/ws?token=[REDACTED]');
  });

  it('masks an id to a prefix', () => {
    expect(maskId('3f1c2a9e-1234-4abc-8def-0123456789ab')).toBe('3f1c2a9e…');
  });

  it('scrubs strings nested in records without touching other values', () => {
    expect(scrubRecord({ a: token, b: [1, { c: `x ${token}` }], d: null, e: 5 })).toEqual({
      a: 'tgw_[REDACTED]',
      b: [1, { c: 'x tgw_[REDACTED]' }],
      d: null,
      e: 5,
    });
  });

  it('leaves the request and response to their serializers, and scrubs everything else in the record', () => {
    const req = { headers: { authorization: `Bearer ${token}` } };
    const scrubbed = scrubRecord({ req, res: { statusCode: 200 }, msg: `saw ${token}`, nested: { req: token } });
    expect(scrubbed.req).toBe(req);
    expect(scrubbed).toMatchObject({ msg: 'saw tgw_[REDACTED]', nested: { req: 'tgw_[REDACTED]' } });
  });
});
