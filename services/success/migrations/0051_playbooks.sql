-- Playbooks: trigger -> action rules by touch tier, what they fired, and
-- what they produced (CTAs, enrolments, outreach messages). Enums are
-- stored as their proto numbers; times are UTC.

-- The tenant's playbook rules. The trigger and the three tier actions are
-- columns so the pure rules can be rebuilt from a row without JSON.
CREATE TABLE playbooks (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  description VARCHAR(1000) NOT NULL DEFAULT '',
  trigger_type TINYINT NOT NULL,
  threshold_percent INT NOT NULL DEFAULT 0,
  within_days INT NOT NULL DEFAULT 0,
  -- HIGH_TOUCH: a CTA (cta_type 0 = no action).
  cta_type TINYINT NOT NULL DEFAULT 0,
  cta_priority TINYINT NOT NULL DEFAULT 0,
  cta_due_in_days INT NOT NULL DEFAULT 0,
  -- LOW_TOUCH: an enrolment ('' = no action).
  enrolment_program VARCHAR(200) NOT NULL DEFAULT '',
  -- TECH_TOUCH: an outreach message ('' = no action).
  outreach_template VARCHAR(100) NOT NULL DEFAULT '',
  disabled BOOLEAN NOT NULL DEFAULT FALSE,
  built_in BOOLEAN NOT NULL DEFAULT FALSE,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY playbooks_by_time (tenant_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Tenants that have been given the built-in default playbooks (once: a
-- tenant that deletes them all does not get them back).
CREATE TABLE playbook_tenants (
  tenant_id VARCHAR(64) NOT NULL,
  seed_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every occurrence a playbook fired for, once: the primary key is what
-- makes "one occurrence fires once ever" hold across reviews.
CREATE TABLE playbook_firings (
  tenant_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  playbook_id CHAR(26) NOT NULL,
  occurrence_key VARCHAR(191) NOT NULL,
  touch_tier TINYINT NOT NULL,
  -- What the action produced: ctas/{id}, enrolments/{id},
  -- outreachMessages/{id}, or '' (e.g. already enrolled).
  result VARCHAR(64) NOT NULL DEFAULT '',
  fire_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, account_id, playbook_id, occurrence_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Calls to action. `open_type` is the type while the CTA is OPEN (1) or
-- SNOOZED (2) and NULL once closed, so the unique key allows at most one
-- open CTA per account and type, and any number of closed ones.
CREATE TABLE ctas (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  type TINYINT NOT NULL,
  title VARCHAR(200) NOT NULL,
  -- JSON array of {text, playbook, occurrence, add_time}, oldest first.
  reasons LONGTEXT NOT NULL CHECK (JSON_VALID(reasons)),
  owner VARCHAR(128) NOT NULL DEFAULT '',
  priority TINYINT NOT NULL,
  due_time DATETIME(6) NULL,
  status TINYINT NOT NULL,
  snooze_until DATETIME(6) NULL,
  close_note VARCHAR(2000) NOT NULL DEFAULT '',
  close_time DATETIME(6) NULL,
  closed_by VARCHAR(128) NOT NULL DEFAULT '',
  open_type TINYINT AS (IF(status IN (1, 2), type, NULL)) PERSISTENT,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY ctas_one_open (tenant_id, account_id, open_type),
  KEY ctas_by_time (tenant_id, create_time, id),
  KEY ctas_by_owner (tenant_id, owner, status, create_time, id),
  KEY ctas_by_account (tenant_id, account_id, create_time, id),
  KEY ctas_by_due (tenant_id, status, due_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Accounts enrolled in one-to-many programs (low touch); once per program.
CREATE TABLE enrolments (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  program VARCHAR(200) NOT NULL,
  playbook_id CHAR(26) NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY enrolments_once (tenant_id, account_id, program),
  KEY enrolments_by_time (tenant_id, create_time, id),
  KEY enrolments_by_account (tenant_id, account_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Automated messages queued for the e-mail platform (tech touch); the
-- platform gets them from the OutreachRequested event.
CREATE TABLE outreach_messages (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  template_id VARCHAR(100) NOT NULL,
  -- JSON array of {contact, email, display_name, roles}.
  recipients LONGTEXT NOT NULL CHECK (JSON_VALID(recipients)),
  -- JSON object of template variables.
  variables LONGTEXT NOT NULL CHECK (JSON_VALID(variables)),
  playbook_id CHAR(26) NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY outreach_by_time (tenant_id, create_time, id),
  KEY outreach_by_account (tenant_id, account_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
