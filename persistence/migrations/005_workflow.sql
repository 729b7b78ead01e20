-- A grade may mean the measure is stopped (Honjo's D 中止): such sheets are not carried into
-- the next year. Data, like the rest of the grade scale.
ALTER TABLE plan_grade ADD COLUMN discontinues boolean NOT NULL DEFAULT false;

-- What the workflow engine keeps on a sheet beyond its fields.
ALTER TABLE sheet
  -- retired by a coordinator: kept for history, not carried into the next year
  ADD COLUMN retired boolean NOT NULL DEFAULT false,
  -- action -> login of who fired it last, for separation of duties (who submitted does not approve)
  ADD COLUMN last_actors jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(last_actors) = 'object'),
  -- last year's grade and 今後の方針, kept for reference when a year is opened from the one before
  ADD COLUMN previous_grade text,
  ADD COLUMN previous_next_steps text;
