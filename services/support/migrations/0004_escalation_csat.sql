-- Escalation tier, assignee and the customer's satisfaction rating.
ALTER TABLE tickets
  ADD COLUMN escalation_tier TINYINT NOT NULL DEFAULT 1,
  ADD COLUMN escalation_reason VARCHAR(500) NOT NULL DEFAULT '',
  ADD COLUMN assignee VARCHAR(128) NOT NULL DEFAULT '',
  ADD COLUMN csat_score TINYINT NULL,
  ADD COLUMN csat_comment TEXT NULL,
  ADD COLUMN csat_time DATETIME(6) NULL,
  ADD COLUMN csat_agent VARCHAR(128) NULL;
