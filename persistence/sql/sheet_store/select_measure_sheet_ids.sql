-- The sheets of a measure (by its key) in every year.
SELECT s.id FROM sheet s JOIN measure m ON m.id = s.measure_id WHERE m.key = :key
 ORDER BY s.fiscal_year, s.sheet_no
