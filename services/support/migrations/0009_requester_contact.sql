-- The requester as a Success contact (DESIGN §4: "requester (contact id
-- and/or email)").
ALTER TABLE tickets
  ADD COLUMN requester_contact_id CHAR(26) NULL,
  ADD KEY tickets_by_requester_contact (tenant_id, requester_contact_id, create_time, id);
