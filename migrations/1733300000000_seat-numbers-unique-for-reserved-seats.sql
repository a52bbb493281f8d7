-- Up Migration
-- Row and number are unique among reserved seats only (general-admission places have neither).
-- Over every seat, the constraint's index also matched the GA claim's `row_label IS NULL`, and
-- the planner, meeting a section created moments before its sale (no statistics yet), scanned
-- and sorted every place of the section through it instead of using seats_ga_available_idx,
-- which answers the claim in id order and stops at the first free place (measured with
-- auto_explain: 2.4 ms against well under 0.1 ms for a section of 500 places).
ALTER TABLE seats DROP CONSTRAINT seats_section_id_row_label_seat_number_key;
CREATE UNIQUE INDEX seats_reserved_number_key ON seats (section_id, row_label, seat_number) WHERE row_label IS NOT NULL;

-- Down Migration
DROP INDEX seats_reserved_number_key;
ALTER TABLE seats ADD CONSTRAINT seats_section_id_row_label_seat_number_key UNIQUE (section_id, row_label, seat_number);
