-- Product usage (health part). Days are UTC midnights in DATETIME columns.
-- Feature names, user ids and event ids compare byte for byte (utf8mb4_bin):
-- "Export" and "export" are different features.

-- Every event ever ingested: its id makes ingest idempotent per tenant.
CREATE TABLE usage_events (
  tenant_id VARCHAR(64) NOT NULL,
  event_id VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  account_id CHAR(26) NOT NULL,
  feature VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
  user_id VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  usage_count BIGINT NOT NULL,
  event_time DATETIME(6) NOT NULL,
  ingest_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, event_id),
  KEY usage_events_by_account (tenant_id, account_id, event_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per account, UTC day and feature: sum of counts, events, distinct users.
-- ListUsageRollups pages (day, feature) within an account.
CREATE TABLE usage_rollups (
  tenant_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  day_start DATETIME NOT NULL,
  feature VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
  usage_count BIGINT NOT NULL,
  event_count BIGINT NOT NULL,
  active_users INT NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, account_id, day_start, feature)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per account and UTC day: totals and distinct users of any feature.
CREATE TABLE usage_account_days (
  tenant_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  day_start DATETIME NOT NULL,
  usage_count BIGINT NOT NULL,
  event_count BIGINT NOT NULL,
  active_users INT NOT NULL DEFAULT 0,
  last_event_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, account_id, day_start),
  -- Accounts with usage since a day (key-feature changes queue them).
  KEY usage_account_days_by_day (tenant_id, day_start, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The distinct users behind usage_rollups.active_users.
CREATE TABLE usage_feature_users (
  tenant_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  day_start DATETIME NOT NULL,
  feature VARCHAR(100) COLLATE utf8mb4_bin NOT NULL,
  user_id VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (tenant_id, account_id, day_start, feature, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The distinct users behind usage_account_days.active_users; also counts
-- distinct users over a 30-day window.
CREATE TABLE usage_account_users (
  tenant_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  day_start DATETIME NOT NULL,
  user_id VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (tenant_id, account_id, day_start, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each tenant's key features: a JSON array of names, sorted. No row until
-- first set (none: no key features).
CREATE TABLE usage_key_features (
  tenant_id VARCHAR(64) NOT NULL,
  features TEXT NOT NULL,
  version BIGINT NOT NULL,
  update_time DATETIME(6) NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
