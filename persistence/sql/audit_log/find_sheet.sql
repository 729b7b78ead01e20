SELECT id FROM sheet WHERE fiscal_year = :year AND sheet_no = :sheet_no
