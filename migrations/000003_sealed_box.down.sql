DROP TABLE code_failures;
ALTER TABLE ballot_codes DROP COLUMN void;
ALTER TABLE townships DROP COLUMN objection_contact;
ALTER TABLE rounds DROP COLUMN publish_from, DROP COLUMN publish_to, DROP COLUMN objection_contact;
DROP TABLE round_events, round_category_counts, round_scrutineers;
DROP TABLE ballots;
CREATE TABLE ballots (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    round_id    bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
    category_id bigint NOT NULL,
    receipt     text NOT NULL UNIQUE,
    subject_ids bigint[] NOT NULL,
    choices     smallint[] NOT NULL,
    CHECK (cardinality(subject_ids) = cardinality(choices) AND cardinality(choices) > 0),
    CHECK (choices <@ ARRAY[1,2,3,4,5]::smallint[]),
    FOREIGN KEY (round_id, category_id) REFERENCES round_categories (round_id, category_id) ON DELETE CASCADE
);
CREATE INDEX ballots_round_idx ON ballots (round_id);
UPDATE rounds SET status = 'open' WHERE status = 'counting';
ALTER TABLE rounds DROP CONSTRAINT rounds_status_check;
ALTER TABLE rounds ADD CONSTRAINT rounds_status_check CHECK (status IN ('draft','open','closed','published'));
ALTER TABLE rounds DROP COLUMN key_threshold, DROP COLUMN key_public, DROP COLUMN key_commitments,
    DROP COLUMN keyed_at, DROP COLUMN box_progress, DROP COLUMN counted_at, DROP COLUMN ballots_destroyed_at;
