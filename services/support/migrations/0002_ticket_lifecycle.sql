-- Lifecycle stamps on tickets, and the history of every change.
ALTER TABLE tickets
  ADD COLUMN reopen_count INT NOT NULL DEFAULT 0,
  ADD COLUMN solve_time DATETIME(6) NULL,
  ADD COLUMN close_time DATETIME(6) NULL;

CREATE TABLE ticket_changes (
  tenant_id VARCHAR(64) NOT NULL,
  ticket_id CHAR(26) NOT NULL,
  id CHAR(26) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  field VARCHAR(64) NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  change_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
