-- 三争创 criteria on the ballot (seed 000): beside the overall rating, a round may ask for a
-- rating of each subject on the five criteria of its kind — 五个好 for organisations, 五个有
-- for cadres, or 五带头 when the round rates its person subjects as Party members. The
-- ratings are sealed inside the ballot like the rest of it; they never decide an outcome.

ALTER TABLE rounds
    -- off: not asked; optional: each criterion may be left unrated (不评); required: every
    -- criterion of every subject not abstained on must be rated.
    ADD COLUMN criteria        text NOT NULL DEFAULT 'off' CHECK (criteria IN ('off','optional','required')),
    -- The set person subjects are rated on: 五个有 (人民满意干部) or 五带头 (优秀共产党员).
    ADD COLUMN person_criteria text NOT NULL DEFAULT 'five_haves' CHECK (person_criteria IN ('five_haves','five_leads'));

-- Per subject, written at the box opening in the same transaction as round_results: for
-- each group, each criterion's counts of levels 1–4, or null. As with round_results.tallies,
-- a group below the round's min_group_votes is left out altogether, and so is a criterion
-- fewer raters of a group rated than that minimum. Nothing is kept per rater category.
CREATE TABLE round_criteria (
    round_subject_id bigint PRIMARY KEY REFERENCES round_subjects ON DELETE CASCADE,
    round_id         bigint NOT NULL,
    township_id      bigint NOT NULL,
    criteria_set     text NOT NULL CHECK (criteria_set IN ('five_goods','five_haves','five_leads')),
    tallies          jsonb NOT NULL, -- {"public": [[c1,c2,c3,c4] | null, × 5], ...}
    FOREIGN KEY (township_id, round_id) REFERENCES rounds (township_id, id) ON DELETE CASCADE
);
CREATE INDEX round_criteria_round_idx ON round_criteria (round_id);

-- Row-level security (000020): a township's criteria counts are its own.
ALTER TABLE round_criteria ENABLE ROW LEVEL SECURITY;
CREATE POLICY township ON round_criteria TO pingyi_app
    USING (township_id = ANY (pingyi_townships())) WITH CHECK (township_id = ANY (pingyi_townships()));
