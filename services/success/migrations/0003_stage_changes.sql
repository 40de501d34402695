-- Every move of an account from one lifecycle stage to another, by whom and
-- when: UpdateAccount by hand, the revenue ledger (CHURN, REACTIVATION) and
-- any other part through RecordStageChange(). The first row of an account
-- (from 0) is its creation.
CREATE TABLE stage_changes (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  from_stage TINYINT NOT NULL,
  to_stage TINYINT NOT NULL,
  actor VARCHAR(128) NOT NULL,
  reason VARCHAR(500) NOT NULL DEFAULT '',
  change_time DATETIME(6) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY stage_changes_by_account (tenant_id, account_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
