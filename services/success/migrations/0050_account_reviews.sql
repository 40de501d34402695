-- Accounts waiting for a review (health score, then playbooks). Any change
-- that can move an account's health queues it in the same transaction; the
-- reviewer drains the queue. One row per account: queuing it again keeps
-- the earliest due time, so a burst of events costs one review.
CREATE TABLE account_reviews (
  tenant_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  due_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, account_id),
  KEY account_reviews_by_due (due_time, tenant_id, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
