SELECT sheet_no, state FROM sheet
 WHERE fiscal_year = :year AND NOT retired AND state <> :final_state
 ORDER BY sheet_no
