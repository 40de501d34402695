-- The rest of an account (DESIGN §5): seats, contract dates, health, where
-- the tier came from, and churn. Other parts of Success write some of these
-- columns (health_*, seats_active: health; tier_source, churn_*: revenue);
-- this migration owns their shape. Enums are proto numbers.
ALTER TABLE accounts
  ADD COLUMN seats_licensed INT NOT NULL DEFAULT 0,
  ADD COLUMN seats_active INT NOT NULL DEFAULT 0,
  ADD COLUMN contract_start_time DATETIME(6) NULL,
  ADD COLUMN renewal_time DATETIME(6) NULL,
  ADD COLUMN health_score SMALLINT NULL,
  ADD COLUMN health_band TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN health_trend TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN health_update_time DATETIME(6) NULL,
  ADD COLUMN tier_source TINYINT NOT NULL DEFAULT 1,
  ADD COLUMN churn_time DATETIME(6) NULL,
  ADD COLUMN churn_reason VARCHAR(500) NOT NULL DEFAULT '',
  -- ListAccounts: each filter and order it offers has an index that ends in
  -- its keyset columns.
  ADD KEY accounts_by_stage (tenant_id, lifecycle_stage, create_time, id),
  ADD KEY accounts_by_band (tenant_id, health_band, create_time, id),
  ADD KEY accounts_by_plan (tenant_id, plan, create_time, id),
  ADD KEY accounts_by_renewal (tenant_id, renewal_time, id),
  ADD KEY accounts_by_mrr (tenant_id, mrr_minor, id);
