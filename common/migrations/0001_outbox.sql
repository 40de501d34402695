-- The transactional outbox every service's event feed serves.
-- cursor_pos stays NULL until the sequencer gives the committed row its
-- place in the feed.
CREATE TABLE outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  cursor_pos BIGINT NULL,
  event_id CHAR(26) NOT NULL,
  tenant_id VARCHAR(64) NOT NULL,
  event_type VARCHAR(128) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  source VARCHAR(128) NOT NULL,
  occur_time DATETIME(6) NOT NULL,
  payload_type VARCHAR(255) NOT NULL,
  payload LONGBLOB NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY outbox_cursor (cursor_pos),
  UNIQUE KEY outbox_event_id (event_id),
  KEY outbox_tenant_cursor (tenant_id, cursor_pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row: the last cursor given out. Its row lock serialises sequencers.
CREATE TABLE outbox_sequence (
  id TINYINT NOT NULL,
  last_cursor BIGINT NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB;

INSERT INTO outbox_sequence (id, last_cursor) VALUES (1, 0);
