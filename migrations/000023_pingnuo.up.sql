-- The mass evaluation of commitments (评诺, 一诺三评三公开; method.md §8): a round of kind
-- 'commitment' over the township's published commitments of its year. Its subjects are
-- either each top-level item of the chosen commitments (pledge_scope 'item', 逐项评议) or
-- each chosen commitment as a whole ('whole', 整体评议). It runs like every round (codes,
-- sealed ballots, scrutineers' key sheets, box opening, results, 公示); its results are
-- grades (满意 / 基本满意 / 不满意) at the round's thresholds and never create talks.

ALTER TABLE rounds DROP CONSTRAINT rounds_kind_check;
ALTER TABLE rounds ADD CONSTRAINT rounds_kind_check CHECK (kind IN ('mid_year','year_end','special','commitment'));
ALTER TABLE rounds
    ADD COLUMN pledge_scope text CHECK (pledge_scope IN ('item','whole')),
    ADD CONSTRAINT rounds_pledge_scope_kind CHECK ((kind = 'commitment') = (pledge_scope IS NOT NULL));

-- A subject is a person, an organisation, or a commitment (with commitment_item_id: one of
-- its items). pledge is what the ballot shows of it: the owner, the published version and
-- its items with their targets and the owner's self-evaluation (述诺), copied from the
-- commitment when the subject is added and again when voting opens, then frozen: a later
-- version of the commitment does not change a running or a counted round.
ALTER TABLE round_subjects DROP CONSTRAINT round_subjects_check;
ALTER TABLE round_subjects
    ADD COLUMN commitment_id      bigint,
    ADD COLUMN commitment_item_id bigint,
    ADD COLUMN pledge             jsonb,
    ADD CONSTRAINT round_subjects_one_subject CHECK (num_nonnulls(person_id, organisation_id, commitment_id) = 1),
    ADD CONSTRAINT round_subjects_pledge CHECK ((commitment_id IS NULL) = (pledge IS NULL)
                                                AND (commitment_item_id IS NULL OR commitment_id IS NOT NULL)),
    ADD FOREIGN KEY (township_id, commitment_id) REFERENCES commitments (township_id, id),
    ADD FOREIGN KEY (township_id, commitment_item_id) REFERENCES commitment_items (township_id, id);
CREATE UNIQUE INDEX round_subjects_item_idx ON round_subjects (round_id, commitment_item_id)
    WHERE commitment_item_id IS NOT NULL;
CREATE UNIQUE INDEX round_subjects_whole_idx ON round_subjects (round_id, commitment_id)
    WHERE commitment_id IS NOT NULL AND commitment_item_id IS NULL;
CREATE INDEX round_subjects_commitment_idx ON round_subjects (commitment_id) WHERE commitment_id IS NOT NULL;

-- The grades of a mass evaluation of commitments.
ALTER TABLE round_results DROP CONSTRAINT round_results_outcome_check;
ALTER TABLE round_results ADD CONSTRAINT round_results_outcome_check
    CHECK (outcome IN ('pass','reminder','admonishment','no_result','satisfied','fair','unsatisfied'));
