import { Module } from '@nestjs/common';
import { DemoTasks } from './demo.tasks';

@Module({ providers: [DemoTasks] })
export class DemoModule {}
