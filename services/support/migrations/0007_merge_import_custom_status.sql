-- Routing group, custom status labels, merge provenance and imports.
ALTER TABLE tickets
  ADD COLUMN group_id CHAR(26) NULL,
  ADD COLUMN custom_status_id CHAR(26) NULL,
  ADD COLUMN merged_into CHAR(26) NULL,
  ADD COLUMN merged_tickets JSON NOT NULL DEFAULT ('[]'),
  ADD COLUMN imported BOOLEAN NOT NULL DEFAULT FALSE,
  -- NULL for live tickets; unique per tenant so an import happens once.
  ADD COLUMN external_id VARCHAR(128) NULL,
  ADD UNIQUE KEY tickets_by_external_id (tenant_id, external_id),
  ADD KEY tickets_by_group (tenant_id, group_id, create_time, id);

CREATE TABLE custom_statuses (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  category TINYINT NOT NULL,
  agent_label VARCHAR(64) NOT NULL,
  customer_label VARCHAR(64) NOT NULL DEFAULT '',
  description VARCHAR(500) NOT NULL DEFAULT '',
  active BOOLEAN NOT NULL DEFAULT TRUE,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY custom_statuses_by_label (tenant_id, agent_label)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
