import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'taskgate:public';

/** Opts a route out of the global token guard (health, docs, the console's static files). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
