-- request_id of each idempotent create, per tenant and method, with a
-- fingerprint of the request and the resource it created.
CREATE TABLE idempotency_keys (
  tenant_id VARCHAR(64) NOT NULL,
  method VARCHAR(128) NOT NULL,
  request_id VARCHAR(128) NOT NULL,
  fingerprint CHAR(64) NOT NULL,
  resource_name VARCHAR(255) NOT NULL,
  create_time DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant_id, method, request_id),
  KEY idempotency_keys_create_time (create_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
