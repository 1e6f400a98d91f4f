-- Evaluation rounds (评议轮次): the 一述双评 itself. method.md §2–§5, §9.

CREATE TABLE rounds (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id               bigint NOT NULL REFERENCES townships,
    title                     text NOT NULL CHECK (btrim(title) <> ''),
    year                      int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    kind                      text NOT NULL CHECK (kind IN ('mid_year','year_end','special')),
    rehearsal                 boolean NOT NULL DEFAULT false, -- 演练: ballots wiped, never in results or history
    status                    text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','open','closed','published')),
    -- The policy in force, stored with the round and frozen when voting opens.
    pass_pct                  int NOT NULL DEFAULT 90 CHECK (pass_pct BETWEEN 0 AND 100),
    admonish_below_pct        int NOT NULL DEFAULT 80 CHECK (admonish_below_pct BETWEEN 0 AND 100),
    reminder_dissatisfied_pct int NOT NULL DEFAULT 10 CHECK (reminder_dissatisfied_pct BETWEEN 0 AND 100),
    admonish_dissatisfied_pct int NOT NULL DEFAULT 20 CHECK (admonish_dissatisfied_pct BETWEEN 0 AND 100),
    top_rank                  int NOT NULL DEFAULT 3 CHECK (top_rank >= 1),
    -- Per-group counts are hidden for a group with fewer valid votes than this.
    min_group_votes           int NOT NULL DEFAULT 5 CHECK (min_group_votes >= 0),
    public_slug               text UNIQUE,
    created_at                timestamptz NOT NULL DEFAULT now(),
    opened_at                 timestamptz,
    closed_at                 timestamptz,
    published_at              timestamptz,
    UNIQUE (township_id, id)
);
CREATE INDEX rounds_township_idx ON rounds (township_id, year DESC, id DESC);

-- Rater groups with their weights in whole percent (sum 100, checked by the app).
CREATE TABLE round_groups (
    round_id bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
    key      text NOT NULL CHECK (key IN ('peer','public')),
    weight   int NOT NULL CHECK (weight BETWEEN 0 AND 100),
    PRIMARY KEY (round_id, key)
);

-- Which rater category votes in which group.
CREATE TABLE round_categories (
    round_id    bigint NOT NULL,
    township_id bigint NOT NULL,
    category_id bigint NOT NULL,
    group_key   text NOT NULL,
    PRIMARY KEY (round_id, category_id),
    FOREIGN KEY (round_id, group_key) REFERENCES round_groups (round_id, key) ON DELETE CASCADE,
    FOREIGN KEY (township_id, category_id) REFERENCES rater_categories (township_id, id),
    FOREIGN KEY (township_id, round_id) REFERENCES rounds (township_id, id) ON DELETE CASCADE
);

-- A subject of a round: a person or an organisation, with a snapshot of how it is shown,
-- its duty report (述职报告), and, once closed, its result.
CREATE TABLE round_subjects (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id          bigint NOT NULL,
    township_id       bigint NOT NULL,
    person_id         bigint,
    organisation_id   bigint,
    name              text NOT NULL,
    title             text NOT NULL DEFAULT '',
    level             smallint NOT NULL CHECK (level BETWEEN 1 AND 4),
    village_cadre     boolean NOT NULL DEFAULT false,
    village_id        bigint,
    sort              int NOT NULL DEFAULT 0,
    report_text       text NOT NULL DEFAULT '',
    report_oral       boolean NOT NULL DEFAULT false, -- 口头述职
    report_oral_note  text NOT NULL DEFAULT '',
    report_updated_at timestamptz,
    CHECK ((person_id IS NULL) <> (organisation_id IS NULL)),
    UNIQUE (round_id, person_id),
    UNIQUE (round_id, organisation_id),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, round_id) REFERENCES rounds (township_id, id) ON DELETE CASCADE,
    FOREIGN KEY (township_id, person_id) REFERENCES people (township_id, id),
    FOREIGN KEY (township_id, organisation_id) REFERENCES organisations (township_id, id)
);
CREATE INDEX round_subjects_round_idx ON round_subjects (round_id, sort, id);
CREATE INDEX round_subjects_person_idx ON round_subjects (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX round_subjects_org_idx ON round_subjects (organisation_id) WHERE organisation_id IS NOT NULL;

-- A duty report's attachment (PDF, Word, JPEG or PNG; at most 20 MB).
CREATE TABLE report_files (
    round_subject_id bigint PRIMARY KEY REFERENCES round_subjects ON DELETE CASCADE,
    file_name        text NOT NULL,
    content_type     text NOT NULL,
    size             int NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    data             bytea NOT NULL
);

-- One-time ballot codes (测评码), issued per category. No code is tied to a rater.
CREATE TABLE ballot_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    round_id    bigint NOT NULL,
    category_id bigint NOT NULL,
    code        text NOT NULL UNIQUE CHECK (length(code) >= 10),
    spent       boolean NOT NULL DEFAULT false,
    FOREIGN KEY (round_id, category_id) REFERENCES round_categories (round_id, category_id) ON DELETE CASCADE
);
CREATE INDEX ballot_codes_round_idx ON ballot_codes (round_id, category_id);

-- Ballot secrecy: a ballot has a random id and a random receipt, and nothing else that
-- could point to who cast it: no code, no rater, no time, no client address. It is
-- written in a transaction of its own (never the one that spends the code), and closing
-- the round rewrites the round's ballots in random order in one transaction.
-- A ballot's choices sit on its own row: choices[i] is the choice for subject_ids[i],
-- 1–4 the levels of method.md §3, 5 abstain (弃权).
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

-- A subject's result, written when the round closes.
CREATE TABLE round_results (
    round_subject_id bigint PRIMARY KEY REFERENCES round_subjects ON DELETE CASCADE,
    round_id         bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
    tallies          jsonb NOT NULL,    -- {"peer": [c1,c2,c3,c4,abstain], "public": [...]}
    satisfaction     text,              -- weighted S in percent, two decimals; NULL: 无有效票
    dissatisfaction  text,
    outcome          text NOT NULL CHECK (outcome IN ('pass','reminder','admonishment','no_result')),
    consecutive      int NOT NULL DEFAULT 0,
    document         boolean NOT NULL DEFAULT false, -- 诫勉文件
    referral         boolean NOT NULL DEFAULT false, -- 组织处理
    reasons          text[] NOT NULL DEFAULT '{}'
);

-- Talks (谈话): tasks created by a round's outcomes, or recorded by hand.
CREATE TABLE talks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id      bigint NOT NULL REFERENCES townships,
    round_id         bigint REFERENCES rounds ON DELETE CASCADE,
    round_subject_id bigint REFERENCES round_subjects ON DELETE CASCADE,
    person_id        bigint,
    organisation_id  bigint,
    subject_name     text NOT NULL,
    talk_with_id     bigint,           -- the person talked to: the subject, or an organisation's responsible person
    talk_with_name   text NOT NULL DEFAULT '',
    year             int NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('reminder','admonishment')),
    document         boolean NOT NULL DEFAULT false,
    referral         boolean NOT NULL DEFAULT false,
    source           text NOT NULL CHECK (source IN ('round','manual')),
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','held')),
    held_on          date,
    held_by          text NOT NULL DEFAULT '',
    note             text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, person_id) REFERENCES people (township_id, id),
    FOREIGN KEY (township_id, organisation_id) REFERENCES organisations (township_id, id),
    FOREIGN KEY (township_id, talk_with_id) REFERENCES people (township_id, id)
);
CREATE INDEX talks_township_idx ON talks (township_id, status, year DESC);
