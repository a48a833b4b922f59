/** What task authors import: the decorator and the context their handlers receive. */
export { ApiTask, type ApiTaskOptions } from './api-task.decorator';
export { Sensitive } from './sensitive.decorator';
export type { ProgressUpdate, TaskContext, TaskFile } from './task-context';
