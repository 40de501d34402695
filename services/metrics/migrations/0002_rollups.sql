-- Rollup cells: per tenant, segment, measure and stored period (grain 1 day,
-- 2 ISO week, 3 month, 4 quarter, 5 year; period_start its first day), a
-- count, a total and, for durations, a serialized DurationDigest. Key
-- columns compare bytes exactly (a segment "Gold" is not "gold", nor
-- "gold "). `measure` holds e.g. `feature_accounts:` + a feature name of up
-- to 100 characters. The primary key is at most (64 + 16 + 190 + 160) × 4
-- bytes (utf8mb4) + 1 + 3 = 1724 bytes, within InnoDB's 3072-byte limit.
CREATE TABLE rollup_cells (
  tenant_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  dimension VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  dim_value VARCHAR(190) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  measure VARCHAR(160) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  grain TINYINT NOT NULL,
  period_start DATE NOT NULL,
  cell_count BIGINT NOT NULL,
  cell_total BIGINT NOT NULL,
  digest MEDIUMBLOB NULL,
  -- Set when the cell holds nothing: a page's retractions may empty cells,
  -- which are then found through the index below and deleted, without
  -- checking every cell the page touched.
  is_empty BOOLEAN AS (cell_count = 0 AND cell_total = 0 AND digest IS NULL) PERSISTENT,
  PRIMARY KEY (tenant_id, dimension, dim_value, measure, grain, period_start),
  -- A tenant's earliest month cell (where balances start) in one lookup.
  KEY rollup_cells_by_period (tenant_id, grain, period_start),
  KEY rollup_cells_empty (tenant_id, is_empty, measure)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Per-tenant settings; a tenant without a row has the defaults (UTC, 100 %).
-- `time_zone` is the zone the tenant asked for; `effective_time_zone` the
-- one its rollup cells are in, which the applier and the reads use: it
-- becomes `time_zone` only when the rebuild that re-derives the cells in
-- that zone commits (in the rebuild's transaction).
CREATE TABLE metric_settings (
  tenant_id VARCHAR(64) NOT NULL,
  time_zone VARCHAR(64) NOT NULL,
  effective_time_zone VARCHAR(64) NOT NULL,
  gross_margin_bp INT NOT NULL,
  version BIGINT NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Each tenant's latest rollup rebuild (state 1 RUNNING, 2 SUCCEEDED,
-- 3 FAILED, as tandem.metrics.v1.RollupRebuild.State), written outside the
-- rebuild's own transaction so its progress is visible.
CREATE TABLE rollup_rebuilds (
  tenant_id VARCHAR(64) NOT NULL,
  state TINYINT NOT NULL,
  start_time DATETIME(6) NOT NULL,
  end_time DATETIME(6) NULL,
  events_replayed BIGINT NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
