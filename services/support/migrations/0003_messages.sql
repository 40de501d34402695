-- Messages on tickets, and the first-response stamps they drive.
ALTER TABLE tickets
  ADD COLUMN first_response_time DATETIME(6) NULL,
  ADD COLUMN agent_reply_count INT NOT NULL DEFAULT 0;

CREATE TABLE messages (
  tenant_id VARCHAR(64) NOT NULL,
  ticket_id CHAR(26) NOT NULL,
  id CHAR(26) NOT NULL,
  author_type TINYINT NOT NULL,
  author VARCHAR(128) NOT NULL,
  author_email VARCHAR(254) NOT NULL DEFAULT '',
  internal BOOLEAN NOT NULL,
  body MEDIUMTEXT NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, ticket_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
