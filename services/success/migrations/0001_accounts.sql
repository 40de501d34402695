-- Accounts. Enums are stored as their proto numbers; times are UTC.
-- mrr_minor is derived from the revenue ledger (a later migration).
CREATE TABLE accounts (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  external_id VARCHAR(128) NULL,
  owner VARCHAR(128) NOT NULL DEFAULT '',
  plan VARCHAR(64) NOT NULL DEFAULT '',
  currency_code CHAR(3) NOT NULL,
  touch_tier TINYINT NOT NULL,
  lifecycle_stage TINYINT NOT NULL,
  mrr_minor BIGINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY accounts_external_id (tenant_id, external_id),
  KEY accounts_by_time (tenant_id, create_time, id),
  KEY accounts_by_tier (tenant_id, touch_tier, create_time, id),
  KEY accounts_by_owner (tenant_id, owner, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
