// Express against Fastify under NestJS, before choosing one for the gateway:
//   node -r ts-node/register/transpile-only bench/http-adapters.ts [seconds]
// The same small app on each adapter in a process of its own: a global guard reading the
// Authorization header, a ValidationPipe'd JSON body, a 202 with a small JSON answer. No database,
// no Redis: what is left is what the adapter and Nest's pipeline cost per request.
import 'reflect-metadata';
import { Body, CanActivate, Controller, HttpCode, Injectable, Module, Post, ValidationPipe } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { runAutocannon } from './autocannon-run';
import { cpuMs } from './cpu-time';
import { freePort } from '../test/support/managed-process';

class ExecuteBody {
  @IsString() task_name: string;
  @IsOptional() @IsObject() kwargs?: Record<string, unknown>;
}

@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return (request.headers.authorization ?? '').startsWith('Bearer ');
  }
}

@Controller('api/v1/tasks')
class ExecuteController {
  @Post('execute')
  @HttpCode(202)
  execute(@Body() body: ExecuteBody) {
    return { execution_id: '00000000-0000-4000-8000-000000000000', status: 'pending', message: `task "${body.task_name}" accepted` };
  }
}

@Module({ controllers: [ExecuteController], providers: [{ provide: APP_GUARD, useClass: HeaderGuard }] })
class AdapterModule {}

async function serve(adapter: 'express' | 'fastify', port: number): Promise<void> {
  const app =
    adapter === 'express'
      ? await NestFactory.create(AdapterModule, { logger: false })
      : await NestFactory.create(AdapterModule, new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger: false });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.listen(port, '127.0.0.1');
  process.stdout.write('ready\n');
}

async function measure(adapter: 'express' | 'fastify', seconds: number) {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, 'serve', adapter, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
  const url = `http://127.0.0.1:${port}/api/v1/tasks/execute`;
  const shape = {
    url,
    auth: 'Bearer tgw_x',
    method: 'POST' as const,
    body: { task_name: 'demo.add', kwargs: { a: 1, b: 2 } },
    connections: 32,
  };
  await runAutocannon({ ...shape, seconds: 2 }); // warm-up
  const before = cpuMs(child.pid!);
  const figures = await runAutocannon({ ...shape, seconds });
  const cpuPerRequest = (cpuMs(child.pid!) - before) / figures.requests;
  child.kill('SIGTERM');
  return { adapter, ...figures, cpuPerRequest };
}

async function main(): Promise<void> {
  const [mode, adapter, port] = process.argv.slice(2);
  if (mode === 'serve') return serve(adapter as 'express' | 'fastify', Number(port));
  const seconds = Number(mode ?? 10);
  process.stdout.write('| adapter | requests /s | p50 / p99 ms | server CPU ms a request |\n|---|---|---|---|\n');
  for (const name of ['express', 'fastify'] as const) {
    const result = await measure(name, seconds);
    process.stdout.write(
      `| ${name} | ${Math.round(result.perSecond)} | ${result.p50} / ${result.p99} | ${result.cpuPerRequest.toFixed(3)} |\n`,
    );
  }
  process.exit(0);
}

void main();
