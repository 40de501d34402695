-- Tickets. Enums are stored as their proto numbers; times are UTC.
CREATE TABLE tickets (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NULL,
  requester_email VARCHAR(254) NOT NULL DEFAULT '',
  subject VARCHAR(250) NOT NULL,
  description MEDIUMTEXT NOT NULL,
  channel TINYINT NOT NULL,
  type TINYINT NOT NULL,
  priority TINYINT NOT NULL,
  status TINYINT NOT NULL,
  tags JSON NOT NULL,
  account_tier TINYINT NOT NULL DEFAULT 0,
  account_check TINYINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY tickets_by_time (tenant_id, create_time, id),
  KEY tickets_by_status (tenant_id, status, create_time, id),
  KEY tickets_by_account (tenant_id, account_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
