-- The revenue part of Success: the MRR ledger (the only writer of
-- accounts.mrr_minor), the per-tenant segmentation policy, the history of
-- touch-tier changes, and expansion opportunities. Enums are proto
-- numbers; times are UTC; money is minor units of the account's currency.

-- One row per movement. An account's movements are recorded in
-- effective-time order, so its mrr_after_minor chain is its MRR history.
CREATE TABLE mrr_movements (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  type TINYINT NOT NULL,
  mrr_delta_minor BIGINT NOT NULL,
  mrr_before_minor BIGINT NOT NULL,
  mrr_after_minor BIGINT NOT NULL,
  currency_code CHAR(3) NOT NULL,
  effective_time DATETIME(6) NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  opportunity_id CHAR(26) NULL,
  actor VARCHAR(128) NOT NULL DEFAULT '',
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  -- An account's ledger (and its latest movement, read under the account's lock).
  KEY mrr_movements_by_account (tenant_id, account_id, effective_time, id),
  -- Tenant-wide listing by effective time, optionally by type.
  KEY mrr_movements_by_time (tenant_id, effective_time, id),
  KEY mrr_movements_by_type (tenant_id, type, effective_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A tenant's segmentation policy; absent until the tenant sets one (the
-- built-in default applies). reapply_after_id is the id of the last account
-- a policy change has re-segmented while that work is unfinished ('' when
-- it has not started any batch), NULL when every account is done.
CREATE TABLE segmentation_policies (
  tenant_id VARCHAR(64) NOT NULL,
  basis TINYINT NOT NULL,
  high_touch_min_minor BIGINT NOT NULL,
  low_touch_min_minor BIGINT NOT NULL,
  gross_margin_bps INT NOT NULL,
  monthly_churn_bps INT NOT NULL,
  reapply_after_id CHAR(26) NULL,
  version BIGINT NOT NULL DEFAULT 1,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every change of an account's touch tier: by the policy (MRR or policy
-- changed) or by hand (override set or cleared), with reason and actor.
CREATE TABLE tier_changes (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  from_tier TINYINT NOT NULL,
  to_tier TINYINT NOT NULL,
  source TINYINT NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  actor VARCHAR(128) NOT NULL DEFAULT '',
  change_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY tier_changes_by_account (tenant_id, account_id, change_time, id),
  KEY tier_changes_by_time (tenant_id, change_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Upsell and cross-sell opportunities. A WON one names the movement it
-- recorded.
CREATE TABLE opportunities (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  kind TINYINT NOT NULL,
  stage TINYINT NOT NULL,
  mrr_delta_minor BIGINT NOT NULL,
  currency_code CHAR(3) NOT NULL,
  expected_close_time DATETIME(6) NULL,
  owner VARCHAR(128) NOT NULL DEFAULT '',
  close_time DATETIME(6) NULL,
  close_reason VARCHAR(500) NOT NULL DEFAULT '',
  movement_id CHAR(26) NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY opportunities_by_account (tenant_id, account_id, create_time, id),
  KEY opportunities_by_time (tenant_id, create_time, id),
  KEY opportunities_by_stage (tenant_id, stage, create_time, id),
  KEY opportunities_by_owner (tenant_id, owner, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
