import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** The data source the TypeORM CLI uses for `npm run migration:run` / `migration:revert`. */
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is not set: it is needed to run migrations');

export default new DataSource(dataSourceOptions(url));
