-- Commitments (双承诺, 一诺三评三公开): method.md §8.
-- A village Party branch commits to the township Party committee each year; the township
-- Party committee commits publicly to the residents (village_id NULL). A commitment has
-- numbered versions: an approved version is frozen, a later change is a new version with a
-- reason. Items keep their id from version to version, so progress, self-evaluation and a
-- mass-evaluation round can point at an item whatever its wording in a later version.

CREATE TABLE commitments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL REFERENCES townships,
    village_id  bigint, -- NULL: the township Party committee's own public commitment
    year        int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (township_id, year, village_id),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, village_id) REFERENCES villages (township_id, id)
);

-- status: draft 草稿, submitted 待审核, returned 已退回, approved 已批准, published 已公开,
-- superseded 已被新版本替代.
CREATE TABLE commitment_versions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id    bigint NOT NULL,
    commitment_id  bigint NOT NULL,
    number         int NOT NULL CHECK (number >= 1),
    status         text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft','submitted','returned','approved','published','superseded')),
    reason         text NOT NULL DEFAULT '', -- why this version replaces the one before (version 2 on)
    review_comment text NOT NULL DEFAULT '', -- the office's comment when it last returned this version
    created_at     timestamptz NOT NULL DEFAULT now(),
    submitted_at   timestamptz,
    approved_at    timestamptz,
    published_at   timestamptz,
    UNIQUE (commitment_id, number),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, commitment_id) REFERENCES commitments (township_id, id) ON DELETE CASCADE,
    CHECK (number = 1 OR btrim(reason) <> '')
);
-- At most one version in the works, one approved awaiting publication, one public.
CREATE UNIQUE INDEX commitment_versions_working_idx ON commitment_versions (commitment_id)
    WHERE status IN ('draft','submitted','returned');
CREATE UNIQUE INDEX commitment_versions_approved_idx ON commitment_versions (commitment_id) WHERE status = 'approved';
CREATE UNIQUE INDEX commitment_versions_published_idx ON commitment_versions (commitment_id) WHERE status = 'published';

-- An item's identity, stable across versions.
CREATE TABLE commitment_items (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id   bigint NOT NULL,
    commitment_id bigint NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, commitment_id) REFERENCES commitments (township_id, id) ON DELETE CASCADE
);
CREATE INDEX commitment_items_commitment_idx ON commitment_items (commitment_id);

-- An item as worded in one version. category: economy 发展经济, service 为民服务,
-- governance 基层治理, party 党的建设, other 其他. A sub-item (parent_id set) may carry a
-- weight for its parent's progress.
CREATE TABLE commitment_version_items (
    township_id bigint NOT NULL,
    version_id  bigint NOT NULL,
    item_id     bigint NOT NULL,
    parent_id   bigint,
    sort        int NOT NULL DEFAULT 0,
    category    text NOT NULL CHECK (category IN ('economy','service','governance','party','other')),
    content     text NOT NULL CHECK (btrim(content) <> ''),
    target      text NOT NULL CHECK (btrim(target) <> ''),
    deadline    date NOT NULL,
    weight      int CHECK (weight BETWEEN 1 AND 100),
    PRIMARY KEY (version_id, item_id),
    FOREIGN KEY (township_id, version_id) REFERENCES commitment_versions (township_id, id) ON DELETE CASCADE,
    FOREIGN KEY (township_id, item_id) REFERENCES commitment_items (township_id, id) ON DELETE CASCADE,
    FOREIGN KEY (version_id, parent_id) REFERENCES commitment_version_items (version_id, item_id) ON DELETE CASCADE,
    CHECK (parent_id IS NULL OR parent_id <> item_id),
    CHECK (parent_id IS NOT NULL OR weight IS NULL)
);
CREATE INDEX commitment_version_items_item_idx ON commitment_version_items (item_id);

-- The lifecycle, as it happened (who did what, with the comment or reason).
CREATE TABLE commitment_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id    bigint NOT NULL,
    commitment_id  bigint NOT NULL,
    version_number int NOT NULL,
    action         text NOT NULL CHECK (action IN ('created','submitted','returned','approved','published','revised','discarded')),
    actor_name     text NOT NULL,
    actor_role     text NOT NULL,
    note           text NOT NULL DEFAULT '',
    at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, commitment_id) REFERENCES commitments (township_id, id) ON DELETE CASCADE
);
CREATE INDEX commitment_events_commitment_idx ON commitment_events (commitment_id, at);

-- Progress (践诺): each entry states how far the item is done, in whole percent.
CREATE TABLE commitment_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id bigint NOT NULL,
    item_id     bigint NOT NULL,
    entry_date  date NOT NULL,
    body        text NOT NULL CHECK (btrim(body) <> ''),
    percent     int NOT NULL CHECK (percent BETWEEN 0 AND 100),
    author_name text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (township_id, id),
    FOREIGN KEY (township_id, item_id) REFERENCES commitment_items (township_id, id) ON DELETE CASCADE
);
CREATE INDEX commitment_entries_item_idx ON commitment_entries (item_id, entry_date, id);

-- Evidence for an entry: a photo (JPEG or PNG) or a document (PDF or Word), checked by
-- content, at most 10 MB. A photo also keeps two re-encoded JPEG copies for pages (at most
-- 1280 and 360 pixels on the long side), without the original's metadata (no location).
CREATE TABLE commitment_files (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id  bigint NOT NULL,
    entry_id     bigint NOT NULL,
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size         int NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    data         bytea NOT NULL,
    web          bytea,
    thumb        bytea,
    web_width    int,
    web_height   int,
    thumb_width  int,
    thumb_height int,
    FOREIGN KEY (township_id, entry_id) REFERENCES commitment_entries (township_id, id) ON DELETE CASCADE,
    CHECK ((web IS NULL) = (thumb IS NULL))
);
CREATE INDEX commitment_files_entry_idx ON commitment_files (entry_id);

-- Leaders' commentary (领导点评), at least once a quarter; public once chosen for publication.
CREATE TABLE commitment_comments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    township_id   bigint NOT NULL,
    commitment_id bigint NOT NULL,
    year          int NOT NULL,
    quarter       int NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    body          text NOT NULL CHECK (btrim(body) <> ''),
    author_id     bigint,
    author_name   text NOT NULL,
    public        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, commitment_id) REFERENCES commitments (township_id, id) ON DELETE CASCADE,
    FOREIGN KEY (township_id, author_id) REFERENCES users (township_id, id)
);
CREATE INDEX commitment_comments_commitment_idx ON commitment_comments (commitment_id, created_at);
CREATE INDEX commitment_comments_quarter_idx ON commitment_comments (township_id, year, quarter);

-- The year-end self-evaluation (自评) per item. rating: fulfilled 已兑现, partly 部分兑现,
-- unfulfilled 未兑现.
CREATE TABLE commitment_self_evaluations (
    township_id bigint NOT NULL,
    item_id     bigint PRIMARY KEY,
    rating      text NOT NULL CHECK (rating IN ('fulfilled','partly','unfulfilled')),
    body        text NOT NULL DEFAULT '',
    author_name text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (township_id, item_id) REFERENCES commitment_items (township_id, id) ON DELETE CASCADE
);
