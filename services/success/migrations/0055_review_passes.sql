-- When each periodic pass over all accounts last ran (e.g. the daily
-- review), so a restart does not postpone it and replicas run it once.
CREATE TABLE review_passes (
  name VARCHAR(64) NOT NULL,
  last_time DATETIME(6) NOT NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
