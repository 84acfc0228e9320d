-- drawbridge schema 13: the fuller reset. A reset's thought record (the
-- feelings and how strong, the hot thought and how much it is believed,
-- the evidence, another view, the re-rating, now or then) is kept as one
-- JSON document beside its three columns; NULL for a reset without one.

ALTER TABLE resets ADD COLUMN thought TEXT;
