-- Support signals, from Support's event feed (support_signal_applier.h).
-- Ticket and event ids are Support's: kept as text, never joined to a
-- Support table (a service cannot read another's database).

-- Each ticket of an account, as the last applied event showed it.
CREATE TABLE support_tickets (
  tenant_id VARCHAR(64) NOT NULL,
  ticket_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  subject VARCHAR(250) NOT NULL,
  ticket_type TINYINT NOT NULL,
  status TINYINT NOT NULL,
  escalation_tier INT NOT NULL,
  sla_breached BOOL NOT NULL DEFAULT FALSE,
  csat_score TINYINT NULL,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id),
  KEY support_tickets_by_account (tenant_id, account_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Dated support signals per account, so health windows are range queries.
-- kind: 1 TICKET, 2 COMPLAINT, 3 ESCALATION, 4 SLA_BREACH, 5 CSAT.
-- dedupe_key makes each signal once: the ticket id for TICKET, COMPLAINT
-- and CSAT (a re-rating replaces the score), the event id otherwise.
CREATE TABLE support_signals (
  tenant_id VARCHAR(64) NOT NULL,
  kind TINYINT NOT NULL,
  dedupe_key VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  ticket_id VARCHAR(64) NOT NULL,
  signal_time DATETIME(6) NOT NULL,
  score TINYINT NULL,
  PRIMARY KEY (tenant_id, kind, dedupe_key),
  KEY support_signals_by_account (tenant_id, account_id, signal_time, kind),
  KEY support_signals_by_ticket (tenant_id, ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every applied Support event of a ticket with an account: its primary key
-- makes a replayed event a no-op, and rows on_timeline appear on the
-- account's timeline.
CREATE TABLE support_events (
  tenant_id VARCHAR(64) NOT NULL,
  event_id VARCHAR(64) NOT NULL,
  account_id CHAR(26) NOT NULL,
  event_type VARCHAR(64) NOT NULL,
  ticket_id VARCHAR(64) NOT NULL,
  ticket_subject VARCHAR(250) NOT NULL,
  ticket_type TINYINT NOT NULL,
  ticket_status TINYINT NOT NULL,
  summary VARCHAR(500) NOT NULL,
  on_timeline BOOL NOT NULL,
  event_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, event_id, ticket_id),
  KEY support_events_timeline (tenant_id, account_id, on_timeline, event_time, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Meetings, calls, e-mails and notes. participants: a JSON array of text.
CREATE TABLE activities (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  kind TINYINT NOT NULL,
  meeting_type TINYINT NOT NULL,
  subject VARCHAR(200) NOT NULL,
  summary TEXT NOT NULL,
  participants JSON NOT NULL,
  author VARCHAR(128) NOT NULL,
  activity_time DATETIME(6) NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY activities_by_account (tenant_id, account_id, activity_time, id),
  KEY activities_by_time (tenant_id, activity_time, id),
  KEY activities_engagement (tenant_id, account_id, kind, activity_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- NPS responses; contact_id is a contact of the same account, if known.
CREATE TABLE nps_responses (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  contact_id CHAR(26) NULL,
  score TINYINT NOT NULL,
  comment TEXT NOT NULL,
  response_time DATETIME(6) NOT NULL,
  recorded_by VARCHAR(128) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY nps_by_account (tenant_id, account_id, response_time, id),
  KEY nps_by_time (tenant_id, response_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Product feedback; source_ticket is set (and unique) for items made from
-- Support FEATURE_REQUEST tickets, so each ticket makes one item.
CREATE TABLE feedback (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  source TINYINT NOT NULL,
  status TINYINT NOT NULL,
  source_ticket VARCHAR(64) NULL,
  creator VARCHAR(128) NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY feedback_by_ticket (tenant_id, source_ticket),
  KEY feedback_by_time (tenant_id, create_time, id),
  KEY feedback_by_status (tenant_id, status, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The accounts asking for each feedback item.
CREATE TABLE feedback_accounts (
  tenant_id VARCHAR(64) NOT NULL,
  feedback_id CHAR(26) NOT NULL,
  account_id CHAR(26) NOT NULL,
  add_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, feedback_id, account_id),
  KEY feedback_accounts_by_account (tenant_id, account_id, feedback_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
