/** Salt's Jinja filters and tests (the library is in index.ts and filters-*.ts). */
export { SALT_FILTERS, SALT_TESTS } from './index';
