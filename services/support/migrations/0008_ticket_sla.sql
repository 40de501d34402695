-- Each ticket's SLA state (a tandem.support.v1.TicketSla, proto bytes) and
-- what the sweeper and the list filters need from it.
ALTER TABLE tickets
  ADD COLUMN sla LONGBLOB NULL,
  -- The earliest due time of a running, unbreached target; NULL if none.
  ADD COLUMN sla_next_due DATETIME(6) NULL,
  ADD COLUMN sla_breached BOOLEAN NOT NULL DEFAULT FALSE,
  ADD KEY tickets_sla_sweep (sla_next_due),
  ADD KEY tickets_by_sla_due (tenant_id, sla_next_due),
  ADD KEY tickets_by_sla_breach (tenant_id, sla_breached, create_time, id);
