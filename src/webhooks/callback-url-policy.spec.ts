import { InvalidInputError } from '../common/domain-errors';
import { loadAppConfig } from '../config/load-app-config';
import { CallbackRefused, CallbackUrlPolicy } from './callback-url-policy';
import { webhookSignature } from './webhook-signature';

describe(CallbackUrlPolicy.name, () => {
  const resolver = { resolve: jest.fn<Promise<string[]>, [string]>() };
  const policy = (env: Record<string, string> = {}) =>
    new CallbackUrlPolicy(loadAppConfig({ WEBHOOK_SECRET: 'sixteen-chars-at-least', ...env }), resolver);

  beforeEach(() => resolver.resolve.mockReset());

  it('connects to the address it checked, for a host whose every address is public', async () => {
    resolver.resolve.mockResolvedValue(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    const target = await policy().target('https://hooks.example.com/x?y=1');
    expect(target).toEqual({ url: new URL('https://hooks.example.com/x?y=1'), address: '93.184.215.14' });
    expect(resolver.resolve).toHaveBeenCalledWith('hooks.example.com');
  });

  it('refuses a host with any private address, lastingly', async () => {
    resolver.resolve.mockResolvedValue(['93.184.215.14', '10.0.0.7']);
    const refusal = await policy()
      .target('https://hooks.example.com/')
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(CallbackRefused);
    expect(refusal).toMatchObject({ lasting: true, message: expect.stringContaining('private address (10.0.0.7)') });
  });

  it('lets a host that does not resolve be tried again (not lasting)', async () => {
    resolver.resolve.mockRejectedValue(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    await expect(policy().target('https://gone.example.com/')).rejects.toMatchObject({ lasting: false });
  });

  it('allows http: and private addresses only with WEBHOOK_ALLOW_PRIVATE', async () => {
    resolver.resolve.mockResolvedValue(['127.0.0.1']);
    await expect(policy().target('http://localhost:8080/')).rejects.toThrow(/must use https:/);
    await expect(policy().target('https://localhost:8080/')).rejects.toThrow(/loopback address/);
    await expect(policy({ WEBHOOK_ALLOW_PRIVATE: 'true' }).target('http://localhost:8080/')).resolves.toMatchObject({
      address: '127.0.0.1',
    });
  });

  it('answers 400 at submission, first of all when webhooks are off', async () => {
    const off = new CallbackUrlPolicy(loadAppConfig({}), resolver);
    await expect(off.checkSubmission('https://hooks.example.com/')).rejects.toThrow(/webhooks are not configured/);
    expect(resolver.resolve).not.toHaveBeenCalled();
    await expect(policy().checkSubmission('gopher://x')).rejects.toBeInstanceOf(InvalidInputError);
  });
});

describe(webhookSignature.name, () => {
  it('signs "<t>.<body>" with HMAC-SHA256 in hex, t in unix seconds', () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'sixteen-chars-at-least'
    expect(webhookSignature('sixteen-chars-at-least', '{"a":1}', new Date(1_700_000_000_500))).toBe(
      't=1700000000,v1=e943e78da3dda9106781bfdfbe6d9ff1f1a26541300a7eb83153958267a35b62',
    );
  });
});
