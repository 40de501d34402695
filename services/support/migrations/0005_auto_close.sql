-- Finds SOLVED tickets due to close, across tenants, for the auto-close sweeper.
CREATE INDEX tickets_by_solve_time ON tickets (status, solve_time);
