-- Development only: each service gets its own database and a user that can
-- reach nothing else ('_' is escaped in GRANT, where it is a wildcard).
CREATE DATABASE IF NOT EXISTS tandem_support CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS tandem_success CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS tandem_metrics CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'tandem_support'@'%' IDENTIFIED BY 'dev-support-pw';
CREATE USER IF NOT EXISTS 'tandem_success'@'%' IDENTIFIED BY 'dev-success-pw';
CREATE USER IF NOT EXISTS 'tandem_metrics'@'%' IDENTIFIED BY 'dev-metrics-pw';
GRANT ALL PRIVILEGES ON `tandem\_support`.* TO 'tandem_support'@'%';
GRANT ALL PRIVILEGES ON `tandem\_success`.* TO 'tandem_success'@'%';
GRANT ALL PRIVILEGES ON `tandem\_metrics`.* TO 'tandem_metrics'@'%';
