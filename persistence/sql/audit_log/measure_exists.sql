SELECT count(*) FROM measure WHERE key = :measure_key
