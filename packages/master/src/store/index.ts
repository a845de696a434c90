/** The store contract and its two implementations: on disk (one master) and PostgreSQL (a cluster of masters). */
export * from './types';
export { DiskGrains, DiskJobs, DiskKeys, DiskMine, DiskStore, type DiskStoreOptions } from './disk';
export { autosigned, fingerOf, samePem, type KeyPolicy } from './key-rules';
export { checkDsn, redactDsn, StoreConfigError, StoreUnavailable } from './pg/connect';
export { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion, SchemaTooNew, type Migration } from './pg/migrations';
export { ClusterListener, CHANNEL, type ClusterEvent, type ListenerOptions } from './pg/notify';
export { PgStore, type PgStoreOptions } from './pg/store';
export { ReturnSpool, SpooledJobs, type ReplayResult } from './pg/spool';
export { ClusterMismatch, PgMembers, type JoinRequest, type Member } from './pg/members';
