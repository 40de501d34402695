-- The revenue facts: one ledger timeline per account, one row per entry
-- (an MRR movement, or a change of the account's tier, plan or owner).
-- An entry is keyed by the movement's id or the segment-changing event's
-- id, so a repeated event inserts nothing. Times are UTC; kind is the
-- MrrMovement.Type number, 0 for a segment change; money is minor units.
CREATE TABLE revenue_entries (
  tenant_id VARCHAR(64) NOT NULL,
  account_id VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
  entry_key VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  entry_time DATETIME(6) NOT NULL,
  -- The event's Success feed cursor: orders entries of equal time.
  feed_cursor BIGINT NOT NULL,
  kind TINYINT NOT NULL,
  mrr_delta_minor BIGINT NOT NULL,
  mrr_after_minor BIGINT NOT NULL,
  tier VARCHAR(32) COLLATE utf8mb4_bin NOT NULL,
  plan VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  owner VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  -- A page's timelines are read (and locked) by (tenant_id, account_id).
  PRIMARY KEY (tenant_id, account_id, entry_key),
  -- The accounts with a movement in a time range (custom windows); the
  -- primary key's account_id rides along, so the index covers the read.
  KEY revenue_entries_by_time (tenant_id, entry_time, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
