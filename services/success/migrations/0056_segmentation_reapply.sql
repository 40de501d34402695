-- Who last changed the segmentation policy: the background pass that
-- finishes its re-application (when the update's call ran out of time or
-- the process stopped) records the tier changes by them.
ALTER TABLE segmentation_policies
  ADD COLUMN reapply_actor VARCHAR(128) NOT NULL DEFAULT '' AFTER reapply_after_id;
