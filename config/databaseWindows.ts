/*
 * The PostgreSQL windows' defaults. Config validation checks the two never overlap (BK-1) and the
 * database component applies them, so they are decided here, in config/, and read by both: the
 * component depends on config, never the other way round.
 */

/** BK-1: the daily backup runs at 02:00 UTC (003). */
export const DEFAULT_BACKUP_WINDOW = "02:00-03:00";
/** After the backup window, on the quietest day. config/rules.ts checks the two never overlap. */
export const DEFAULT_MAINTENANCE_WINDOW = "sun:04:00-sun:05:00";
