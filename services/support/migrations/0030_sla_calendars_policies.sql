-- SLA configuration: business calendars and the ordered policies that use
-- them. Weekly hours and holidays are small JSON documents read whole;
-- policy conditions are JSON arrays of proto enum numbers; targets are
-- seconds (NULL: no target).
CREATE TABLE sla_calendars (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  time_zone VARCHAR(64) NOT NULL,
  business_hours JSON NOT NULL,
  holidays JSON NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  KEY sla_calendars_by_time (tenant_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sla_policies (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  position INT NOT NULL,
  priorities JSON NOT NULL,
  account_tiers JSON NOT NULL,
  channels JSON NOT NULL,
  types JSON NOT NULL,
  calendar_id CHAR(26) NULL,
  first_response_seconds BIGINT NULL,
  next_response_seconds BIGINT NULL,
  resolution_seconds BIGINT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  -- The order policies are tried in (and listed in).
  KEY sla_policies_in_order (tenant_id, position, create_time, id),
  KEY sla_policies_by_calendar (tenant_id, calendar_id),
  -- A calendar in use cannot disappear, even if a check were skipped.
  CONSTRAINT sla_policies_calendar FOREIGN KEY (tenant_id, calendar_id)
    REFERENCES sla_calendars (tenant_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
