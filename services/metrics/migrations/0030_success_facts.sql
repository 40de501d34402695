-- Facts of the "other success" KPIs (services/metrics/success_facts.h):
-- NPS answers, renewals, completed onboardings, account health timelines,
-- daily product usage and each tenant's key features. `applied_cursor` is
-- the Success feed cursor of the event a row was last taken from: an event
-- at or below it is a repeated delivery and changes nothing.

-- One row per NPS answer. Reads: a page's respondents (their answers, for
-- the latest per period) and a custom window's answers by time.
CREATE TABLE success_nps_answers (
  tenant_id VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  respondent VARCHAR(255) NOT NULL,
  score TINYINT NOT NULL,
  response_time DATETIME(6) NOT NULL,
  tier VARCHAR(32) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  owner VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, name),
  KEY success_nps_by_respondent (tenant_id, respondent),
  KEY success_nps_by_time (tenant_id, response_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per renewal, as its latest event described it.
CREATE TABLE success_renewals (
  tenant_id VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  applied_cursor BIGINT NOT NULL,
  due_time DATETIME(6) NOT NULL,
  target_minor BIGINT NOT NULL,
  final_minor BIGINT NOT NULL,
  outcome TINYINT NOT NULL,
  tier VARCHAR(32) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  owner VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per onboarding plan that ended COMPLETED.
CREATE TABLE success_onboardings (
  tenant_id VARCHAR(64) NOT NULL,
  name VARCHAR(255) NOT NULL,
  applied_cursor BIGINT NOT NULL,
  start_time DATETIME(6) NOT NULL,
  complete_time DATETIME(6) NOT NULL,
  tier VARCHAR(32) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  owner VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Each account's health timeline: one row per event that scored it,
-- churned, returned, deleted it or moved its segment (kind: 1 scored,
-- 2 segment, 3 churned, 4 returned, 5 deleted).
CREATE TABLE success_health_entries (
  tenant_id VARCHAR(64) NOT NULL,
  account VARCHAR(255) NOT NULL,
  applied_cursor BIGINT NOT NULL,
  entry_time DATETIME(6) NOT NULL,
  kind TINYINT NOT NULL,
  score INT NOT NULL,
  band TINYINT NOT NULL,
  tier VARCHAR(32) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  owner VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, account, applied_cursor)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Each account's state at the end of its timeline, so a page appending to
-- it reads one row instead of the history.
CREATE TABLE success_health_accounts (
  tenant_id VARCHAR(64) NOT NULL,
  account VARCHAR(255) NOT NULL,
  max_cursor BIGINT NOT NULL,
  last_time DATETIME(6) NOT NULL,
  last_cursor BIGINT NOT NULL,
  scored BOOLEAN NOT NULL,
  score INT NOT NULL,
  band TINYINT NOT NULL,
  churned BOOLEAN NOT NULL,
  deleted BOOLEAN NOT NULL,
  tier VARCHAR(32) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  owner VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, account)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per account and UTC day with usage (features one per line).
-- Reads: an account's days around a changed day, a custom window's days.
CREATE TABLE success_usage_days (
  tenant_id VARCHAR(64) NOT NULL,
  account VARCHAR(255) NOT NULL,
  day DATE NOT NULL,
  applied_cursor BIGINT NOT NULL,
  active_users INT NOT NULL,
  seats INT NOT NULL,
  features TEXT NOT NULL,
  tier VARCHAR(32) NOT NULL,
  plan VARCHAR(255) NOT NULL,
  owner VARCHAR(255) NOT NULL,
  PRIMARY KEY (tenant_id, account, day),
  KEY success_usage_by_day (tenant_id, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Each tenant's key features as Success last announced them (one per line).
CREATE TABLE success_key_features (
  tenant_id VARCHAR(64) NOT NULL,
  applied_cursor BIGINT NOT NULL,
  features TEXT NOT NULL,
  PRIMARY KEY (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
