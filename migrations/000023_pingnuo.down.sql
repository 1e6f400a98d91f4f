DELETE FROM rounds WHERE kind = 'commitment';
ALTER TABLE round_results DROP CONSTRAINT round_results_outcome_check;
ALTER TABLE round_results ADD CONSTRAINT round_results_outcome_check
    CHECK (outcome IN ('pass','reminder','admonishment','no_result'));
DROP INDEX round_subjects_commitment_idx;
DROP INDEX round_subjects_whole_idx;
DROP INDEX round_subjects_item_idx;
ALTER TABLE round_subjects DROP CONSTRAINT round_subjects_one_subject, DROP CONSTRAINT round_subjects_pledge,
    DROP COLUMN pledge, DROP COLUMN commitment_item_id, DROP COLUMN commitment_id;
ALTER TABLE round_subjects ADD CONSTRAINT round_subjects_check CHECK ((person_id IS NULL) <> (organisation_id IS NULL));
ALTER TABLE rounds DROP CONSTRAINT rounds_pledge_scope_kind, DROP COLUMN pledge_scope;
ALTER TABLE rounds DROP CONSTRAINT rounds_kind_check;
ALTER TABLE rounds ADD CONSTRAINT rounds_kind_check CHECK (kind IN ('mid_year','year_end','special'));
