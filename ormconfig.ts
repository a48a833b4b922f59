import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options';
import { loadAppConfig } from './src/config/load-app-config';

/** The DataSource the typeorm CLI uses (`npm run typeorm -- migration:show`). */
export default new DataSource(dataSourceOptions(loadAppConfig().databaseUrl));
