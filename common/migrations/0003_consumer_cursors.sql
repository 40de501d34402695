-- Where this service is in each event feed it consumes.
CREATE TABLE consumer_cursors (
  feed VARCHAR(64) NOT NULL,
  cursor_pos BIGINT NOT NULL,
  head_cursor BIGINT NOT NULL,
  last_event_time DATETIME(6) NULL,
  last_poll_time DATETIME(6) NULL,
  last_error VARCHAR(1024) NOT NULL DEFAULT '',
  PRIMARY KEY (feed)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
