-- Finds tickets whose account Success has not confirmed yet, for the
-- sweeper that asks again.
CREATE INDEX tickets_by_account_check ON tickets (account_check, create_time);
