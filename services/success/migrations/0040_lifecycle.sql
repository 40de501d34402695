-- Lifecycle: onboarding templates, onboarding plans and their milestones,
-- success plans with goals and action items, renewals. Enums are stored as
-- their proto numbers; times are UTC; ids are 26-character ULIDs.

-- A tenant's onboarding templates. `milestones` holds the template's steps
-- as the JSON of an OnboardingTemplate with only `milestones` set (they are
-- never queried one by one).
CREATE TABLE onboarding_templates (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  milestones JSON NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY onboarding_templates_by_name (tenant_id, display_name),
  KEY onboarding_templates_by_time (tenant_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An account's onboarding plans. `active` is 1 while the plan is ACTIVE and
-- NULL otherwise, so the unique key allows one ACTIVE plan per account.
CREATE TABLE onboarding_plans (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  template_id CHAR(26) NULL,
  display_name VARCHAR(200) NOT NULL,
  start_time DATETIME(6) NOT NULL,
  state TINYINT NOT NULL,
  active TINYINT NULL,
  end_time DATETIME(6) NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY onboarding_plans_one_active (tenant_id, account_id, active),
  KEY onboarding_plans_by_account (tenant_id, account_id, create_time, id),
  KEY onboarding_plans_by_time (tenant_id, create_time, id),
  KEY onboarding_plans_by_state (tenant_id, state, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The milestones of a plan. `open_due_time` is the due time while the
-- milestone is neither DONE nor SKIPPED (NULL otherwise), so overdue
-- milestones are a range scan.
CREATE TABLE onboarding_milestones (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  plan_id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  position INT NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  due_time DATETIME(6) NOT NULL,
  state TINYINT NOT NULL,
  open_due_time DATETIME(6) NULL,
  complete_time DATETIME(6) NULL,
  owner VARCHAR(128) NOT NULL DEFAULT '',
  first_value TINYINT NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY onboarding_milestones_by_plan (tenant_id, plan_id, position),
  KEY onboarding_milestones_open (tenant_id, plan_id, open_due_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Success plans; goals and action items are rows of their own, replaced
-- together when the plan's lists are updated.
CREATE TABLE success_plans (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  owner VARCHAR(128) NOT NULL DEFAULT '',
  status TINYINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY success_plans_by_account (tenant_id, account_id, create_time, id),
  KEY success_plans_by_time (tenant_id, create_time, id),
  KEY success_plans_by_owner (tenant_id, owner, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE success_goals (
  tenant_id VARCHAR(64) NOT NULL,
  plan_id CHAR(26) NOT NULL,
  position INT NOT NULL,
  title VARCHAR(200) NOT NULL,
  metric VARCHAR(200) NOT NULL,
  baseline DOUBLE NOT NULL,
  target DOUBLE NOT NULL,
  current_value DOUBLE NOT NULL,
  due_time DATETIME(6) NULL,
  PRIMARY KEY (tenant_id, plan_id, position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE success_action_items (
  tenant_id VARCHAR(64) NOT NULL,
  plan_id CHAR(26) NOT NULL,
  position INT NOT NULL,
  title VARCHAR(200) NOT NULL,
  owner VARCHAR(128) NOT NULL DEFAULT '',
  due_time DATETIME(6) NULL,
  done TINYINT NOT NULL DEFAULT 0,
  done_time DATETIME(6) NULL,
  PRIMARY KEY (tenant_id, plan_id, position),
  KEY success_action_items_by_owner (tenant_id, owner, done, due_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Renewals. `outcome` 0 means open.
CREATE TABLE renewals (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  due_time DATETIME(6) NOT NULL,
  target_amount_minor BIGINT NOT NULL,
  forecast_amount_minor BIGINT NOT NULL,
  final_amount_minor BIGINT NOT NULL DEFAULT 0,
  currency_code CHAR(3) NOT NULL,
  stage TINYINT NOT NULL,
  owner VARCHAR(128) NOT NULL DEFAULT '',
  notes TEXT NOT NULL,
  outcome TINYINT NOT NULL DEFAULT 0,
  close_time DATETIME(6) NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY renewals_by_account (tenant_id, account_id, create_time, id),
  KEY renewals_by_account_due (tenant_id, account_id, outcome, due_time, id),
  KEY renewals_by_time (tenant_id, create_time, id),
  KEY renewals_by_due (tenant_id, outcome, due_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
