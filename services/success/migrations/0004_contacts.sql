-- The people of an account. `roles` holds role enum names joined by commas
-- (e.g. 'CHAMPION,USER'), in enum order; playbooks read it to pick outreach
-- recipients. An e-mail address is unique within its account (letter case
-- ignored by the collation).
CREATE TABLE contacts (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  email VARCHAR(254) NOT NULL,
  title VARCHAR(200) NOT NULL DEFAULT '',
  roles VARCHAR(200) NOT NULL DEFAULT '',
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY contacts_by_email (tenant_id, account_id, email),
  KEY contacts_by_account (tenant_id, account_id, create_time, id),
  KEY contacts_by_time (tenant_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
