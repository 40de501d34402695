-- Account health (health part): each tenant's scorecard and each account's
-- stored scorings. The latest score, band and trend are also kept on
-- `accounts` (health_* columns, migration 0002).

-- A tenant's scorecard as proto JSON (tandem.success.v1.Scorecard). No row
-- until first changed (none: the defaults).
CREATE TABLE health_scorecards (
  tenant_id VARCHAR(64) NOT NULL,
  scorecard TEXT NOT NULL,
  version BIGINT NOT NULL,
  update_time DATETIME(6) NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per scoring that moved the score, band or breakdown, and at least
-- one a day. create_time is the scoring's compute time. The breakdown is
-- proto JSON of tandem.success.v1.AccountHealth with only `breakdown` set.
CREATE TABLE health_history (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  score SMALLINT NOT NULL,
  band TINYINT NOT NULL,
  trend TINYINT NOT NULL,
  cause VARCHAR(64) NOT NULL,
  breakdown TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  -- History pages, the latest scoring, the scoring in force at a time.
  KEY health_history_by_account (tenant_id, account_id, create_time, id),
  KEY health_history_by_band (tenant_id, account_id, band, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
