// Sums a V8 CPU profile (node --cpu-prof) by where the time went:
//   node -r ts-node/register/transpile-only bench/cpu-profile-summary.ts <file.cpuprofile> [top]
// Self time per package (node_modules/<name>), per file of the gateway's own code, and for Node's
// internals, then the top functions; percentages are of all samples, idle included.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  share: number;
}

export function summarize(profile: CpuProfile): { total: number; byPlace: ProfileShare[]; byFunction: ProfileShare[] } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = nodes.get(id)!.callFrame;
    const place = placeOf(frame.url, frame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
    const fn = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
  }
  const shares = (map: Map<string, number>) =>
    [...map].map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total })).sort((a, b) => b.ms - a.ms);
  return { total: total / 1000, byPlace: shares(byPlace), byFunction: shares(byFunction) };
}

/** A package, a file of ours, or what V8 calls its pseudo-frames ((idle), (garbage collector), (program)). */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/dist\/(.+)\.js$/.exec(url);
  return own ? `taskgate: ${own[1]}` : shortUrl(url);
}

function shortUrl(url: string): string {
  return url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
}

if (require.main === module) {
  const [file, top = '25'] = process.argv.slice(2);
  const { total, byPlace, byFunction } = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const line = (entry: ProfileShare) => `| ${entry.name} | ${entry.ms.toFixed(0)} | ${(entry.share * 100).toFixed(1)} % |`;
  process.stdout.write(`${total.toFixed(0)} ms sampled\n\n| where | self ms | share |\n|---|---|---|\n`);
  process.stdout.write(`${byPlace.slice(0, Number(top)).map(line).join('\n')}\n\n| function | self ms | share |\n|---|---|---|\n`);
  process.stdout.write(`${byFunction.slice(0, Number(top)).map(line).join('\n')}\n`);
}
