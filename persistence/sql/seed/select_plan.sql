SELECT id, name, first_year, last_year FROM plan WHERE code = :code
