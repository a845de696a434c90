/** The throwaway PostgreSQL server the tests start (shared with `brine demo --cluster`). */
export { pgBinDir, startPostgres, type PgServer } from '../../packages/cli/src/fleet/postgres';
