-- KPI definitions, stored as data and versioned.
CREATE TABLE metric_definitions (
  name VARCHAR(64) NOT NULL,
  display_name VARCHAR(128) NOT NULL,
  description TEXT NOT NULL,
  version INT NOT NULL,
  formula TEXT NOT NULL,
  unit VARCHAR(32) NOT NULL,
  good_direction TINYINT NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Events consumed per tenant, producing API, event type and UTC day: the
-- first rollup, from which feed volume over any window is answered.
CREATE TABLE event_counts (
  tenant_id VARCHAR(64) NOT NULL,
  source VARCHAR(64) NOT NULL,
  event_type VARCHAR(128) NOT NULL,
  day DATE NOT NULL,
  events BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, source, event_type, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
