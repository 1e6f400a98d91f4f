-- Year-end performance assessment (刚性绩效考核, 百分制 / 千分制) and the 三争创 award
-- proposals the Party committee decides: method.md §6–§7. Points are stored in
-- hundredths of a point (integers), so no float is ever on the path to a rank.

-- A scoresheet template (考核细则) for one year and one kind of subject. A year's copy
-- is frozen once its first score is entered; next year's copy is a separate row.
-- applies_to: village 村级组织, agency 乡直机关/站所, cadre 干部.
CREATE TABLE score_templates (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id    bigint NOT NULL REFERENCES townships,
    year           int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    applies_to     text NOT NULL CHECK (applies_to IN ('village','agency','cadre')),
    name           text NOT NULL CHECK (btrim(name) <> ''),
    allow_negative boolean NOT NULL DEFAULT false, -- deductions may take a clause below 0
    frozen_at      timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, year, applies_to),
    UNIQUE (township_id, id)
);

-- Areas (项) of a template; weight_pct > 0 makes the area a weighted section
-- (e.g. 党建 30% + 经济社会发展 70%); 0 adds the area's points as they are.
CREATE TABLE score_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template_id bigint NOT NULL REFERENCES score_templates ON DELETE CASCADE,
    position    int NOT NULL,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    weight_pct  int NOT NULL DEFAULT 0 CHECK (weight_pct BETWEEN 0 AND 100),
    UNIQUE (template_id, position)
);

-- Clauses (条): maximum points, the scoring rule in words, the scoring department,
-- an optional bonus cap (加分封顶) and whether it is a veto clause (一票否决).
CREATE TABLE score_clauses (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    template_id bigint NOT NULL REFERENCES score_templates ON DELETE CASCADE,
    area_id     bigint NOT NULL REFERENCES score_areas ON DELETE CASCADE,
    position    int NOT NULL,
    code        text NOT NULL,
    title       text NOT NULL CHECK (btrim(title) <> ''),
    rule        text NOT NULL DEFAULT '',
    department  text NOT NULL DEFAULT '',
    max_points  int NOT NULL CHECK (max_points >= 0),
    bonus_cap   int NOT NULL DEFAULT 0 CHECK (bonus_cap >= 0),
    veto        boolean NOT NULL DEFAULT false,
    UNIQUE (template_id, code)
);
CREATE INDEX score_clauses_template_idx ON score_clauses (template_id, position);

-- A township's assessment year: its bands, the appeal window, and whether the sheets
-- are final (locked). published_at is when results were shown: appeals run from then.
CREATE TABLE score_years (
    township_id  bigint NOT NULL REFERENCES townships,
    year         int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open','final')),
    advanced_pct int NOT NULL DEFAULT 90 CHECK (advanced_pct BETWEEN 0 AND 100), -- 先进 ≥
    normal_pct   int NOT NULL DEFAULT 75 CHECK (normal_pct BETWEEN 0 AND 100),   -- 一般 ≥
    appeal_days  int NOT NULL DEFAULT 7 CHECK (appeal_days BETWEEN 1 AND 60),
    review_days  int NOT NULL DEFAULT 10 CHECK (review_days BETWEEN 1 AND 60),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (township_id, year),
    CHECK (normal_pct <= advanced_pct)
);

-- What happened to a year's sheets: finalised, reopened (with the reason), published.
CREATE TABLE score_year_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL,
    year        int NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('finalise','reopen','publish')),
    reason      text NOT NULL DEFAULT '',
    by_name     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, year) REFERENCES score_years ON DELETE CASCADE
);

-- Who is assessed in a year, in which ranking group, with a snapshot of how they are
-- shown. group_key: township 乡党委政府 (county rank only), village, agency,
-- cadre1..cadre4 (cadres among cadres of the same level). county_rank / county_score
-- come from the county's annual target assessment; the rank replaces the computed one.
CREATE TABLE score_subjects (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id     bigint NOT NULL,
    year            int NOT NULL,
    person_id       bigint,
    organisation_id bigint,
    group_key       text NOT NULL CHECK (group_key IN ('township','village','agency','cadre1','cadre2','cadre3','cadre4')),
    template_id     bigint REFERENCES score_templates,
    name            text NOT NULL,
    title           text NOT NULL DEFAULT '',
    village_id      bigint,
    village_cadre   boolean NOT NULL DEFAULT false,
    county_rank     int CHECK (county_rank >= 1),
    county_score    int,
    county_at       timestamptz,
    CHECK ((person_id IS NULL) <> (organisation_id IS NULL)),
    UNIQUE (township_id, year, person_id),
    UNIQUE (township_id, year, organisation_id),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, year) REFERENCES score_years ON DELETE CASCADE,
    FOREIGN KEY (township_id, person_id) REFERENCES people (township_id, id),
    FOREIGN KEY (township_id, organisation_id) REFERENCES organisations (township_id, id)
);
CREATE INDEX score_subjects_year_idx ON score_subjects (township_id, year, group_key);

-- One clause's score for one subject: 得分, 加分 (capped by the clause), 扣分, a veto,
-- a note, and who scored it when.
CREATE TABLE score_entries (
    subject_id     bigint NOT NULL REFERENCES score_subjects ON DELETE CASCADE,
    clause_id      bigint NOT NULL REFERENCES score_clauses,
    points         int NOT NULL DEFAULT 0 CHECK (points >= 0),
    bonus          int NOT NULL DEFAULT 0 CHECK (bonus >= 0),
    deduction      int NOT NULL DEFAULT 0 CHECK (deduction >= 0),
    vetoed         boolean NOT NULL DEFAULT false,
    note           text NOT NULL DEFAULT '',
    scored_by_name text NOT NULL,
    scored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_id, clause_id)
);

-- Every change to an entry, kept: source form, import or appeal (复核).
CREATE TABLE score_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id bigint NOT NULL REFERENCES score_subjects ON DELETE CASCADE,
    clause_id  bigint NOT NULL REFERENCES score_clauses,
    points     int NOT NULL,
    bonus      int NOT NULL,
    deduction  int NOT NULL,
    vetoed     boolean NOT NULL,
    note       text NOT NULL DEFAULT '',
    source     text NOT NULL CHECK (source IN ('form','import','appeal')),
    by_name    text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX score_history_subject_idx ON score_history (subject_id, clause_id, at);

-- Evidence (台账) for one entry: PDF, Word, JPEG or PNG, checked by content, ≤ 10 MB.
CREATE TABLE score_files (
    subject_id   bigint NOT NULL,
    clause_id    bigint NOT NULL,
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size         int NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    data         bytea NOT NULL,
    PRIMARY KEY (subject_id, clause_id),
    FOREIGN KEY (subject_id, clause_id) REFERENCES score_entries ON DELETE CASCADE
);

-- Appeals (复核 / 申诉) against a score, rank or band, filed within appeal_days of the
-- results being shown, decided by the office by due_on.
CREATE TABLE score_appeals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id     bigint NOT NULL,
    year            int NOT NULL,
    subject_id      bigint NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('score','rank','band')),
    clause_id       bigint REFERENCES score_clauses,
    reason          text NOT NULL CHECK (btrim(reason) <> ''),
    filed_by_name   text NOT NULL,
    on_behalf       boolean NOT NULL DEFAULT false, -- the office filed it for the subject
    filed_at        timestamptz NOT NULL DEFAULT now(),
    due_on          date NOT NULL,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open','decided')),
    decision        text CHECK (decision IN ('upheld','changed')),
    decision_note   text NOT NULL DEFAULT '',
    decided_by_name text NOT NULL DEFAULT '',
    decided_at      timestamptz,
    FOREIGN KEY (township_id, subject_id) REFERENCES score_subjects (township_id, id) ON DELETE CASCADE
);
CREATE INDEX score_appeals_year_idx ON score_appeals (township_id, year, status);

-- Award proposals (三争创) put to the Party committee, and its decision on each.
CREATE TABLE award_proposals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id     bigint NOT NULL REFERENCES townships,
    year            int NOT NULL,
    person_id       bigint,
    organisation_id bigint,
    subject_name    text NOT NULL,
    subject_title   text NOT NULL DEFAULT '',
    village_cadre   boolean NOT NULL DEFAULT false,
    streak          int NOT NULL CHECK (streak >= 1),
    awards          text[] NOT NULL,
    honour          text NOT NULL DEFAULT '', -- 先进基层党组织 / 人民满意干部
    reasons         text[] NOT NULL DEFAULT '{}',
    decision        text NOT NULL DEFAULT 'pending' CHECK (decision IN ('pending','approved','rejected')),
    decided_on      date,
    decision_note   text NOT NULL DEFAULT '',
    decided_by_name text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((person_id IS NULL) <> (organisation_id IS NULL)),
    UNIQUE (township_id, year, person_id),
    UNIQUE (township_id, year, organisation_id),
    FOREIGN KEY (township_id, person_id) REFERENCES people (township_id, id),
    FOREIGN KEY (township_id, organisation_id) REFERENCES organisations (township_id, id)
);
