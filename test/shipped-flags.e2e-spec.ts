import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_NODE_ARGS, ROOT } from './support/processes';

/** The gateway starts with the same Node flags wherever it is started, and the tests and bench measure it so. */
describe('the Node flags the gateway ships with', () => {
  const flags = GATEWAY_NODE_ARGS.join(' ');

  it('are those of the npm start scripts', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(`node ${flags} dist/main.js`);
    expect(scripts['start:prod']).toBe(`node ${flags} dist/main.js`);
  });

  it('are those of the Dockerfile', () => {
    const command = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(JSON.parse(command ?? '[]')).toEqual(['node', ...GATEWAY_NODE_ARGS, 'dist/main.js']);
  });
});
