import { loadAppConfig } from '../config/load-app-config';

describe('security settings (JSON_MAX_DEPTH, JSON_MAX_STRING, CORS_ORIGINS)', () => {
  it('defaults to depth 32, strings of 64 KiB and no CORS at all', () => {
    expect(loadAppConfig({})).toMatchObject({ jsonMaxDepth: 32, jsonMaxString: 65_536, corsOrigins: [] });
  });

  it('reads a list of origins, and * for any', () => {
    expect(loadAppConfig({ CORS_ORIGINS: ' https://app.example.com ,http://localhost:5173,' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(loadAppConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(loadAppConfig({ JSON_MAX_DEPTH: '8', JSON_MAX_STRING: '1000' })).toMatchObject({ jsonMaxDepth: 8, jsonMaxString: 1000 });
  });

  it.each([
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/'],
    ['CORS_ORIGINS', 'https://App.example.com'],
    ['CORS_ORIGINS', 'https://a.example.com/path'],
    ['JSON_MAX_DEPTH', '1'],
    ['JSON_MAX_DEPTH', 'deep'],
    ['JSON_MAX_STRING', '0'],
    ['JSON_MAX_STRING', '64kb'],
  ])('rejects %s=%p with a message that names it', (variable, value) => {
    expect(() => loadAppConfig({ [variable]: value })).toThrow(new RegExp(`^${variable} `));
  });
});
