-- Support tickets as Metrics knows them from the Support feed: the facts
-- their rollup contributions are computed from (support_facts.h). Times are
-- UTC. The list columns are compact text: `solves` and `reopens` hold
-- "cycle:unix_micros" pairs joined by ';' (the cycle is the ticket's reopen
-- count at the solve, or after the reopen); `sla_targets` holds one
-- -- "kind:start_micros:seen_micros:seen_cursor:result:result_micros:due_micros:
-- due_seen_micros:due_seen_cursor" entry per SLA target cycle (result 0 open,
-- 1 met, 2 missed; due_micros 0 if no snapshot showed a due time, else the
-- newest snapshot's that did, which due_seen names).
CREATE TABLE support_ticket_facts (
  tenant_id VARCHAR(64) NOT NULL,
  ticket_id VARCHAR(64) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  -- The newest snapshot: its update time and the feed cursor that carried it.
  seen_time DATETIME(6) NOT NULL,
  seen_cursor BIGINT NOT NULL,
  status TINYINT NOT NULL,
  channel TINYINT NOT NULL,
  priority TINYINT NOT NULL,
  type TINYINT NOT NULL,
  group_name VARCHAR(128) NOT NULL,
  first_response_business_ms BIGINT NULL,
  resolution_business_ms BIGINT NULL,
  agent_replies INT NOT NULL,
  reopen_count INT NOT NULL,
  first_response_time DATETIME(6) NULL,
  first_escalation_time DATETIME(6) NULL,
  rate_time DATETIME(6) NULL,
  rating TINYINT NOT NULL,
  close_time DATETIME(6) NULL,
  solves TEXT NOT NULL,
  reopens TEXT NOT NULL,
  sla_targets TEXT NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- When each ticket was solved or reopened (one row per distinct time): finds
-- the tickets a custom window's solved_tickets / reopened_tickets read. A row
-- may outlive a time the facts later moved earlier; the facts decide.
CREATE TABLE support_ticket_activity (
  tenant_id VARCHAR(64) NOT NULL,
  activity_time DATETIME(6) NOT NULL,
  ticket_id VARCHAR(64) NOT NULL,
  PRIMARY KEY (tenant_id, activity_time, ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Knowledge-base article views: each counted view once. Support numbers an
-- article's views, so (article, view count after the view) names a view.
CREATE TABLE support_article_views (
  tenant_id VARCHAR(64) NOT NULL,
  article_id VARCHAR(64) NOT NULL,
  view_count BIGINT NOT NULL,
  view_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, article_id, view_count)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
