-- Agents, the groups they work in, and what auto-assignment reads: each
-- agent's load is counted from `tickets` by assignee and status.
CREATE TABLE agents (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  email VARCHAR(254) NOT NULL,
  -- The `sub` of the agent's own tokens; NULL when not linked (several
  -- agents may be unlinked, a linked subject belongs to one agent).
  user_subject VARCHAR(128) NULL,
  availability TINYINT NOT NULL,
  capacity INT NOT NULL,
  deactivated BOOLEAN NOT NULL DEFAULT FALSE,
  last_assignment_time DATETIME(6) NULL,
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY agents_by_email (tenant_id, email),
  UNIQUE KEY agents_by_user (tenant_id, user_subject),
  KEY agents_by_time (tenant_id, create_time, id),
  KEY agents_by_availability (tenant_id, availability, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Groups (GROUPS is a reserved word in MySQL 8, hence the prefix).
CREATE TABLE agent_groups (
  tenant_id VARCHAR(64) NOT NULL,
  id CHAR(26) NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  description VARCHAR(1000) NOT NULL DEFAULT '',
  version BIGINT NOT NULL DEFAULT 1,
  create_time DATETIME(6) NOT NULL,
  update_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE KEY agent_groups_by_name (tenant_id, display_name),
  KEY agent_groups_by_time (tenant_id, create_time, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who is in which group: read by group when routing, by agent when
-- showing an agent.
CREATE TABLE agent_group_members (
  tenant_id VARCHAR(64) NOT NULL,
  group_id CHAR(26) NOT NULL,
  agent_id CHAR(26) NOT NULL,
  PRIMARY KEY (tenant_id, group_id, agent_id),
  KEY agent_group_members_by_agent (tenant_id, agent_id, group_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An agent's load: unsolved tickets assigned to them, counted from the
-- index alone (`assignee` holds the bare agent id).
CREATE INDEX tickets_by_assignee ON tickets (tenant_id, assignee, status);
