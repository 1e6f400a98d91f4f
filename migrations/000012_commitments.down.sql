DROP TABLE IF EXISTS commitment_self_evaluations, commitment_comments, commitment_files, commitment_entries,
    commitment_events, commitment_version_items, commitment_items, commitment_versions, commitments;
