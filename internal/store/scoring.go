package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
	"pingyi/internal/scoring"
)

// Ranking groups (method.md §7): villages among villages, agencies among agencies,
// cadres among cadres of the same level; the township itself is ranked by the county.
const (
	GroupTownship = "township"
	GroupVillage  = "village"
	GroupAgency   = "agency"
)

// ScoreGroups lists the ranking groups in display order with their Chinese names.
var ScoreGroups = []struct{ Key, Label, AppliesTo string }{
	{GroupTownship, "乡党委政府(全县排名)", ""},
	{GroupVillage, "村级组织", "village"},
	{GroupAgency, "乡直机关/站所", "agency"},
	{"cadre1", "领导班子成员", "cadre"},
	{"cadre2", "乡机关干部", "cadre"},
	{"cadre3", "村主职干部", "cadre"},
	{"cadre4", "机关负责人", "cadre"},
}

// ScoreGroupLabel is a ranking group's Chinese name.
func ScoreGroupLabel(key string) string {
	for _, g := range ScoreGroups {
		if g.Key == key {
			return g.Label
		}
	}
	return key
}

// AppliesToLabel names the kind of subject a template is for.
func AppliesToLabel(a string) string {
	switch a {
	case "village":
		return "村级组织"
	case "agency":
		return "乡直机关/站所"
	case "cadre":
		return "干部"
	}
	return a
}

// Errors of the scoring year.
var (
	// ErrYearFinal means the year's sheets are locked (定稿): reopen with a reason first.
	ErrYearFinal = errors.New("store: scoring year is final")
	// ErrTemplateFrozen means scoring has started on the template: it no longer changes.
	ErrTemplateFrozen = errors.New("store: template is frozen")
)

// ScoreYear is a township's assessment year.
type ScoreYear struct {
	TownshipID  int64      `db:"township_id"`
	Year        int        `db:"year"`
	Status      string     `db:"status"`
	AdvancedPct int        `db:"advanced_pct"`
	NormalPct   int        `db:"normal_pct"`
	AppealDays  int        `db:"appeal_days"`
	ReviewDays  int        `db:"review_days"`
	PublishedAt *time.Time `db:"published_at"`
}

// Final reports whether the year's sheets are locked.
func (y ScoreYear) Final() bool { return y.Status == "final" }

// Bands are the year's band thresholds.
func (y ScoreYear) Bands() scoring.Bands {
	return scoring.Bands{AdvancedPct: y.AdvancedPct, NormalPct: y.NormalPct}
}

// AppealDeadline is the last moment an appeal may be filed; nil before results are shown.
func (y ScoreYear) AppealDeadline() *time.Time {
	if y.PublishedAt == nil {
		return nil
	}
	t := y.PublishedAt.AddDate(0, 0, y.AppealDays)
	return &t
}

// AppealsOpen reports whether appeals may be filed at now.
func (y ScoreYear) AppealsOpen(now time.Time) bool {
	d := y.AppealDeadline()
	return d != nil && now.Before(*d)
}

const scoreYearSelect = `SELECT township_id, year, status, advanced_pct, normal_pct, appeal_days, review_days, published_at FROM score_years`

// ScoreYears lists the township's assessment years, newest first.
func (s *Store) ScoreYears(ctx context.Context, townshipID int64) ([]ScoreYear, error) {
	rows, _ := s.pool.Query(ctx, scoreYearSelect+` WHERE township_id = $1 ORDER BY year DESC`, townshipID)
	ys, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreYear])
	if err != nil {
		return nil, fmt.Errorf("store: score years: %w", err)
	}
	return ys, nil
}

// ScoreYear returns one assessment year of the township.
func (s *Store) ScoreYear(ctx context.Context, townshipID int64, year int) (ScoreYear, error) {
	rows, _ := s.pool.Query(ctx, scoreYearSelect+` WHERE township_id = $1 AND year = $2`, townshipID, year)
	y, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ScoreYear])
	if err != nil {
		return y, fmt.Errorf("store: score year: %w", notFound(err))
	}
	return y, nil
}

// StartScoreYear sets up a year's assessment, all or nothing: the year's templates
// (copied from the latest earlier year's, or the two defaults), and its subjects from
// the rosters' active people and organisations, each in its ranking group. Run again on
// an open year, it adds people and organisations added to the rosters since.
func (s *Store) StartScoreYear(ctx context.Context, townshipID int64, year int) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `
			INSERT INTO score_years (township_id, year) VALUES ($1, $2)
			ON CONFLICT (township_id, year) DO UPDATE SET year = EXCLUDED.year RETURNING status`, townshipID, year).Scan(&status)
		if err != nil {
			return err
		}
		if status == "final" {
			return ErrYearFinal
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM score_templates WHERE township_id = $1 AND year = $2`, townshipID, year).Scan(&have); err != nil {
			return err
		}
		if have == 0 {
			var from *int
			if err := tx.QueryRow(ctx, `SELECT max(year) FROM score_templates WHERE township_id = $1 AND year < $2`, townshipID, year).Scan(&from); err != nil {
				return err
			}
			if from != nil {
				if err := copyTemplates(ctx, tx, townshipID, *from, year); err != nil {
					return err
				}
			} else if err := insertDefaultTemplates(ctx, tx, townshipID, year); err != nil {
				return err
			}
		}
		// Subjects: organisations, then people, each in its group with the group's template.
		_, err = tx.Exec(ctx, `
			INSERT INTO score_subjects (township_id, year, organisation_id, group_key, template_id, name, village_id)
			SELECT $1, $2, o.id, g.key, t.id, o.name, o.village_id
			FROM organisations o
			CROSS JOIN LATERAL (SELECT CASE o.kind WHEN 'village_branch' THEN 'village' WHEN 'agency' THEN 'agency'
			                                       WHEN 'village_committee' THEN NULL ELSE 'township' END AS key) g
			LEFT JOIN score_templates t ON t.township_id = $1 AND t.year = $2 AND t.applies_to = g.key
			WHERE o.township_id = $1 AND o.active AND g.key IS NOT NULL
			ON CONFLICT DO NOTHING`, townshipID, year)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO score_subjects (township_id, year, person_id, group_key, template_id, name, title, village_id, village_cadre)
			SELECT $1, $2, p.id, 'cadre' || p.level, t.id, p.name, p.position, o.village_id, p.village_cadre
			FROM people p JOIN organisations o ON o.id = p.organisation_id
			LEFT JOIN score_templates t ON t.township_id = $1 AND t.year = $2 AND t.applies_to = 'cadre'
			WHERE p.township_id = $1 AND p.active
			ON CONFLICT DO NOTHING`, townshipID, year)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrYearFinal) {
			return err
		}
		return fmt.Errorf("store: start score year: %w", err)
	}
	return nil
}

func insertDefaultTemplates(ctx context.Context, tx pgx.Tx, townshipID int64, year int) error {
	for _, dt := range defaultTemplates {
		var tid int64
		if err := tx.QueryRow(ctx, `INSERT INTO score_templates (township_id, year, applies_to, name) VALUES ($1, $2, $3, $4) RETURNING id`,
			townshipID, year, dt.appliesTo, dt.name).Scan(&tid); err != nil {
			return err
		}
		n := 0
		for ai, a := range dt.areas {
			var aid int64
			if err := tx.QueryRow(ctx, `INSERT INTO score_areas (template_id, position, name, weight_pct) VALUES ($1, $2, $3, $4) RETURNING id`,
				tid, ai+1, a.name, a.weight).Scan(&aid); err != nil {
				return err
			}
			for ci, c := range a.clauses {
				n++
				if _, err := tx.Exec(ctx, `
					INSERT INTO score_clauses (template_id, area_id, position, code, title, rule, department, max_points, bonus_cap, veto)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
					tid, aid, n, fmt.Sprintf("%d.%d", ai+1, ci+1), c.title, c.rule, c.dept, c.max, c.bonus, c.veto); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// copyTemplates copies every template of one year into another, unfrozen, so next
// year's copy can be edited without touching this year's scores.
func copyTemplates(ctx context.Context, tx pgx.Tx, townshipID int64, from, to int) error {
	rows, err := tx.Query(ctx, `SELECT id FROM score_templates WHERE township_id = $1 AND year = $2`, townshipID, from)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		var nid int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO score_templates (township_id, year, applies_to, name, allow_negative)
			SELECT township_id, $2, applies_to, name, allow_negative FROM score_templates WHERE id = $1 RETURNING id`, id, to).Scan(&nid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			WITH a AS (
				INSERT INTO score_areas (template_id, position, name, weight_pct)
				SELECT $2, position, name, weight_pct FROM score_areas WHERE template_id = $1
				RETURNING id, position
			)
			INSERT INTO score_clauses (template_id, area_id, position, code, title, rule, department, max_points, bonus_cap, veto)
			SELECT $2, a.id, c.position, c.code, c.title, c.rule, c.department, c.max_points, c.bonus_cap, c.veto
			FROM score_clauses c JOIN score_areas oa ON oa.id = c.area_id JOIN a ON a.position = oa.position
			WHERE c.template_id = $1`, id, nid); err != nil {
			return err
		}
	}
	return nil
}

// CreateTemplateFrom adds a template for a kind of subject that has none this year
// (乡直机关/站所, say), copied from one of the year's templates, and puts the year's
// subjects of that kind on it, all or nothing. ErrConflict if the kind has one already.
func (s *Store) CreateTemplateFrom(ctx context.Context, townshipID int64, year int, fromID int64, appliesTo, name string) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		if err := tx.QueryRow(ctx, `SELECT status FROM score_years WHERE township_id = $1 AND year = $2 FOR UPDATE`, townshipID, year).Scan(&status); err != nil {
			return notFound(err)
		}
		if status == "final" {
			return ErrYearFinal
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO score_templates (township_id, year, applies_to, name, allow_negative)
			SELECT township_id, year, $4, $5, allow_negative FROM score_templates WHERE township_id = $1 AND year = $2 AND id = $3
			RETURNING id`, townshipID, year, fromID, appliesTo, name).Scan(&id)
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.Exec(ctx, `
			WITH a AS (
				INSERT INTO score_areas (template_id, position, name, weight_pct)
				SELECT $2, position, name, weight_pct FROM score_areas WHERE template_id = $1
				RETURNING id, position
			)
			INSERT INTO score_clauses (template_id, area_id, position, code, title, rule, department, max_points, bonus_cap, veto)
			SELECT $2, a.id, c.position, c.code, c.title, c.rule, c.department, c.max_points, c.bonus_cap, c.veto
			FROM score_clauses c JOIN score_areas oa ON oa.id = c.area_id JOIN a ON a.position = oa.position
			WHERE c.template_id = $1`, fromID, id); err != nil {
			return err
		}
		group := appliesTo
		if appliesTo == "cadre" {
			group = "cadre%"
		}
		_, err = tx.Exec(ctx, `UPDATE score_subjects SET template_id = $4 WHERE township_id = $1 AND year = $2 AND group_key LIKE $3 AND template_id IS NULL`,
			townshipID, year, group, id)
		return err
	})
	switch {
	case err == nil:
		return id, nil
	case isUniqueViolation(err):
		return 0, ErrConflict
	case errors.Is(err, ErrYearFinal), errors.Is(err, ErrNotFound):
		return 0, err
	}
	return 0, fmt.Errorf("store: create template: %w", err)
}

// ScoreTemplate is a scoresheet template with its areas and clauses.
type ScoreTemplate struct {
	ID            int64       `db:"id"`
	TownshipID    int64       `db:"township_id"`
	Year          int         `db:"year"`
	AppliesTo     string      `db:"applies_to"`
	Name          string      `db:"name"`
	AllowNegative bool        `db:"allow_negative"`
	FrozenAt      *time.Time  `db:"frozen_at"`
	Areas         []ScoreArea `db:"-"`
}

// ScoreArea is an area (项) of a template.
type ScoreArea struct {
	ID        int64         `db:"id"`
	Position  int           `db:"position"`
	Name      string        `db:"name"`
	WeightPct int           `db:"weight_pct"`
	Clauses   []ScoreClause `db:"-"`
}

// ScoreClause is a clause (条) of a template. Points are hundredths of a point.
type ScoreClause struct {
	ID         int64  `db:"id"`
	AreaID     int64  `db:"area_id"`
	Position   int    `db:"position"`
	Code       string `db:"code"`
	Title      string `db:"title"`
	Rule       string `db:"rule"`
	Department string `db:"department"`
	MaxPoints  int64  `db:"max_points"`
	BonusCap   int64  `db:"bonus_cap"`
	Veto       bool   `db:"veto"`
}

// Clauses lists every clause of the template in order.
func (t ScoreTemplate) Clauses() []ScoreClause {
	var out []ScoreClause
	for _, a := range t.Areas {
		out = append(out, a.Clauses...)
	}
	return out
}

// Scoring is the template as the scoring package reads it.
func (t ScoreTemplate) Scoring() scoring.Template {
	st := scoring.Template{AllowNegative: t.AllowNegative}
	for i, a := range t.Areas {
		st.Areas = append(st.Areas, scoring.Area{Name: a.Name, Weight: a.WeightPct})
		for _, c := range a.Clauses {
			st.Clauses = append(st.Clauses, scoring.Clause{ID: c.ID, Area: i, Max: c.MaxPoints, BonusCap: c.BonusCap, Veto: c.Veto})
		}
	}
	return st
}

// Weighted reports whether the template has weighted sections.
func (t ScoreTemplate) Weighted() bool {
	for _, a := range t.Areas {
		if a.WeightPct > 0 {
			return true
		}
	}
	return false
}

// ScoreTemplates lists a year's templates with their areas and clauses.
func (s *Store) ScoreTemplates(ctx context.Context, townshipID int64, year int) ([]ScoreTemplate, error) {
	return s.scoreTemplates(ctx, `t.township_id = $1 AND t.year = $2`, townshipID, year)
}

// ScoreTemplate returns one template of the township.
func (s *Store) ScoreTemplate(ctx context.Context, townshipID, id int64) (ScoreTemplate, error) {
	ts, err := s.scoreTemplates(ctx, `t.township_id = $1 AND t.id = $2`, townshipID, id)
	if err != nil {
		return ScoreTemplate{}, err
	}
	if len(ts) == 0 {
		return ScoreTemplate{}, ErrNotFound
	}
	return ts[0], nil
}

func (s *Store) scoreTemplates(ctx context.Context, where string, args ...any) ([]ScoreTemplate, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT t.id, t.township_id, t.year, t.applies_to, t.name, t.allow_negative, t.frozen_at
		FROM score_templates t WHERE `+where+` ORDER BY t.applies_to DESC, t.id`, args...)
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreTemplate])
	if err != nil {
		return nil, fmt.Errorf("store: score templates: %w", err)
	}
	if len(ts) == 0 {
		return ts, nil
	}
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	type areaRow struct {
		TemplateID int64 `db:"template_id"`
		ScoreArea
	}
	rows, _ = s.pool.Query(ctx, `SELECT template_id, id, position, name, weight_pct FROM score_areas WHERE template_id = ANY($1) ORDER BY template_id, position`, ids)
	areas, err := pgx.CollectRows(rows, pgx.RowToStructByName[areaRow])
	if err != nil {
		return nil, fmt.Errorf("store: score areas: %w", err)
	}
	rows, _ = s.pool.Query(ctx, `
		SELECT id, area_id, position, code, title, rule, department, max_points, bonus_cap, veto
		FROM score_clauses WHERE template_id = ANY($1) ORDER BY position, id`, ids)
	clauses, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreClause])
	if err != nil {
		return nil, fmt.Errorf("store: score clauses: %w", err)
	}
	byArea := map[int64][]ScoreClause{}
	for _, c := range clauses {
		byArea[c.AreaID] = append(byArea[c.AreaID], c)
	}
	index := map[int64]int{}
	for i, t := range ts {
		index[t.ID] = i
	}
	for _, a := range areas {
		a.Clauses = byArea[a.ID]
		i := index[a.TemplateID]
		ts[i].Areas = append(ts[i].Areas, a.ScoreArea)
	}
	return ts, nil
}

// ClauseInput is a clause as the template editor sets it.
type ClauseInput struct {
	AreaID     int64
	Code       string
	Title      string
	Rule       string
	Department string
	MaxPoints  int64
	BonusCap   int64
	Veto       bool
}

// SaveClause creates (id 0) or changes a clause of a template that scoring has not
// started on. A clause code used twice in the template is ErrConflict.
func (s *Store) SaveClause(ctx context.Context, townshipID, templateID, id int64, in ClauseInput) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockOpenTemplate(ctx, tx, townshipID, templateID); err != nil {
			return err
		}
		var tag int64
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `
				INSERT INTO score_clauses (template_id, area_id, position, code, title, rule, department, max_points, bonus_cap, veto)
				SELECT $1, a.id, coalesce((SELECT max(position) FROM score_clauses WHERE template_id = $1), 0) + 1, $3, $4, $5, $6, $7, $8, $9
				FROM score_areas a WHERE a.template_id = $1 AND a.id = $2 RETURNING id`,
				templateID, in.AreaID, in.Code, in.Title, in.Rule, in.Department, in.MaxPoints, in.BonusCap, in.Veto).Scan(&tag)
		} else {
			err = tx.QueryRow(ctx, `
				UPDATE score_clauses SET area_id = a.id, code = $4, title = $5, rule = $6, department = $7, max_points = $8, bonus_cap = $9, veto = $10
				FROM score_areas a WHERE score_clauses.template_id = $1 AND score_clauses.id = $2 AND a.template_id = $1 AND a.id = $3
				RETURNING score_clauses.id`,
				templateID, id, in.AreaID, in.Code, in.Title, in.Rule, in.Department, in.MaxPoints, in.BonusCap, in.Veto).Scan(&tag)
		}
		if err != nil {
			return notFound(err)
		}
		return validateTemplate(ctx, tx, townshipID, templateID)
	})
	return templateErr("save clause", err)
}

// DeleteClause removes a clause from a template that scoring has not started on.
func (s *Store) DeleteClause(ctx context.Context, townshipID, templateID, id int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockOpenTemplate(ctx, tx, townshipID, templateID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM score_clauses WHERE template_id = $1 AND id = $2`, templateID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return validateTemplate(ctx, tx, townshipID, templateID)
	})
	return templateErr("delete clause", err)
}

// SaveAreaWeights sets every area's weight at once (they must sum to 100 over the
// weighted areas, or all be 0) and whether deductions may take a clause below 0.
func (s *Store) SaveAreaWeights(ctx context.Context, townshipID, templateID int64, weights map[int64]int, allowNegative bool) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockOpenTemplate(ctx, tx, townshipID, templateID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE score_templates SET allow_negative = $2 WHERE id = $1`, templateID, allowNegative); err != nil {
			return err
		}
		for id, w := range weights {
			tag, err := tx.Exec(ctx, `UPDATE score_areas SET weight_pct = $3 WHERE template_id = $1 AND id = $2`, templateID, id, w)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return ErrNotFound
			}
		}
		return validateTemplate(ctx, tx, townshipID, templateID)
	})
	return templateErr("save area weights", err)
}

// TemplateError is why a template change was refused, in Chinese.
type TemplateError struct{ Msg string }

func (e *TemplateError) Error() string { return "store: template: " + e.Msg }

func templateErr(op string, err error) error {
	var te *TemplateError
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return ErrConflict
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrTemplateFrozen), errors.As(err, &te):
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func lockOpenTemplate(ctx context.Context, tx pgx.Tx, townshipID, templateID int64) error {
	var frozen *time.Time
	err := tx.QueryRow(ctx, `SELECT frozen_at FROM score_templates WHERE township_id = $1 AND id = $2 FOR UPDATE`, townshipID, templateID).Scan(&frozen)
	if err != nil {
		return notFound(err)
	}
	if frozen != nil {
		return ErrTemplateFrozen
	}
	return nil
}

func validateTemplate(ctx context.Context, tx pgx.Tx, townshipID, templateID int64) error {
	rows, _ := tx.Query(ctx, `SELECT a.id, a.name, a.weight_pct FROM score_areas a WHERE a.template_id = $1 ORDER BY a.position`, templateID)
	var t scoring.Template
	index := map[int64]int{}
	for rows.Next() {
		var id int64
		var a scoring.Area
		if err := rows.Scan(&id, &a.Name, &a.Weight); err != nil {
			return err
		}
		index[id] = len(t.Areas)
		t.Areas = append(t.Areas, a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, _ = tx.Query(ctx, `SELECT area_id, max_points, bonus_cap FROM score_clauses WHERE template_id = $1`, templateID)
	for rows.Next() {
		var area int64
		var c scoring.Clause
		if err := rows.Scan(&area, &c.Max, &c.BonusCap); err != nil {
			return err
		}
		c.Area = index[area]
		t.Clauses = append(t.Clauses, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return &TemplateError{Msg: err.Error()}
	}
	return nil
}

// ScoreSubject is one subject of a year's assessment.
type ScoreSubject struct {
	ID             int64      `db:"id"`
	TownshipID     int64      `db:"township_id"`
	Year           int        `db:"year"`
	PersonID       *int64     `db:"person_id"`
	OrganisationID *int64     `db:"organisation_id"`
	GroupKey       string     `db:"group_key"`
	TemplateID     *int64     `db:"template_id"`
	Name           string     `db:"name"`
	Title          string     `db:"title"`
	VillageID      *int64     `db:"village_id"`
	VillageCadre   bool       `db:"village_cadre"`
	CountyRank     *int       `db:"county_rank"`
	CountyScore    *int64     `db:"county_score"`
	CountyAt       *time.Time `db:"county_at"`
}

// Key is the subject's identity across years and rounds: "p<person id>" or "o<organisation id>".
func (s ScoreSubject) Key() string {
	return rules.SubjectKey(s.PersonID, s.OrganisationID)
}

const scoreSubjectSelect = `
	SELECT id, township_id, year, person_id, organisation_id, group_key, template_id, name, title, village_id, village_cadre,
	       county_rank, county_score, county_at
	FROM score_subjects`

// ScoreSubjects lists a year's subjects by group, then pinyin.
func (s *Store) ScoreSubjects(ctx context.Context, townshipID int64, year int) ([]ScoreSubject, error) {
	rows, _ := s.pool.Query(ctx, scoreSubjectSelect+` WHERE township_id = $1 AND year = $2
		ORDER BY array_position(ARRAY['township','village','agency','cadre1','cadre2','cadre3','cadre4'], group_key), name COLLATE zh_pinyin, id`, townshipID, year)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreSubject])
	if err != nil {
		return nil, fmt.Errorf("store: score subjects: %w", err)
	}
	return out, nil
}

// ScoreSubject returns one subject of the township's assessment.
func (s *Store) ScoreSubject(ctx context.Context, townshipID, id int64) (ScoreSubject, error) {
	rows, _ := s.pool.Query(ctx, scoreSubjectSelect+` WHERE township_id = $1 AND id = $2`, townshipID, id)
	x, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ScoreSubject])
	if err != nil {
		return x, fmt.Errorf("store: score subject: %w", notFound(err))
	}
	return x, nil
}

// ScoreEntry is one clause's score as stored.
type ScoreEntry struct {
	SubjectID    int64     `db:"subject_id"`
	ClauseID     int64     `db:"clause_id"`
	Points       int64     `db:"points"`
	Bonus        int64     `db:"bonus"`
	Deduction    int64     `db:"deduction"`
	Vetoed       bool      `db:"vetoed"`
	Note         string    `db:"note"`
	ScoredByName string    `db:"scored_by_name"`
	ScoredAt     time.Time `db:"scored_at"`
	FileName     *string   `db:"file_name"`
}

// Scoring is the entry as the scoring package reads it.
func (e ScoreEntry) Scoring() scoring.Entry {
	return scoring.Entry{Points: e.Points, Bonus: e.Bonus, Deduction: e.Deduction, Vetoed: e.Vetoed}
}

// ScoreEntries returns a subject's entries by clause id.
func (s *Store) ScoreEntries(ctx context.Context, townshipID, subjectID int64) (map[int64]ScoreEntry, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT e.subject_id, e.clause_id, e.points, e.bonus, e.deduction, e.vetoed, e.note, e.scored_by_name, e.scored_at, f.file_name
		FROM score_entries e JOIN score_subjects s ON s.id = e.subject_id
		LEFT JOIN score_files f ON f.subject_id = e.subject_id AND f.clause_id = e.clause_id
		WHERE s.township_id = $1 AND e.subject_id = $2`, townshipID, subjectID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreEntry])
	if err != nil {
		return nil, fmt.Errorf("store: score entries: %w", err)
	}
	out := make(map[int64]ScoreEntry, len(list))
	for _, e := range list {
		out[e.ClauseID] = e
	}
	return out, nil
}

// ScoreChange is one line of a subject's score history.
type ScoreChange struct {
	ClauseCode string    `db:"code"`
	Points     int64     `db:"points"`
	Bonus      int64     `db:"bonus"`
	Deduction  int64     `db:"deduction"`
	Vetoed     bool      `db:"vetoed"`
	Note       string    `db:"note"`
	Source     string    `db:"source"`
	ByName     string    `db:"by_name"`
	At         time.Time `db:"at"`
}

// ScoreHistory lists every change to a subject's sheet, newest first.
func (s *Store) ScoreHistory(ctx context.Context, townshipID, subjectID int64) ([]ScoreChange, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.code, h.points, h.bonus, h.deduction, h.vetoed, h.note, h.source, h.by_name, h.at
		FROM score_history h JOIN score_subjects s ON s.id = h.subject_id JOIN score_clauses c ON c.id = h.clause_id
		WHERE s.township_id = $1 AND h.subject_id = $2 ORDER BY h.at DESC, h.id DESC`, townshipID, subjectID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreChange])
	if err != nil {
		return nil, fmt.Errorf("store: score history: %w", err)
	}
	return out, nil
}

// ScoreInput is one clause's score as entered. Points are hundredths of a point.
type ScoreInput struct {
	ClauseID   int64
	Points     int64
	Bonus      int64
	Deduction  int64
	Vetoed     bool
	Note       string
	File       *Upload // nil: keep the current one
	RemoveFile bool
	Clear      bool // remove the entry: the clause is no longer scored
}

// SaveScores writes a subject's changed entries in one transaction, with a history line
// for each, and freezes the subject's template (scoring has started). Entries whose
// values did not change are left as they are (and keep who scored them). ErrYearFinal
// once the year is locked; ErrInvalid for a clause not on the subject's template.
func (s *Store) SaveScores(ctx context.Context, townshipID, subjectID int64, by, source string, in []ScoreInput) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var templateID *int64
		var status string
		err := tx.QueryRow(ctx, `
			SELECT s.template_id, y.status FROM score_subjects s
			JOIN score_years y ON y.township_id = s.township_id AND y.year = s.year
			WHERE s.township_id = $1 AND s.id = $2 FOR UPDATE OF y`, townshipID, subjectID).Scan(&templateID, &status)
		if err != nil {
			return notFound(err)
		}
		if status == "final" && source != "appeal" {
			return ErrYearFinal
		}
		if templateID == nil {
			return ErrInvalid
		}
		return saveScores(ctx, tx, *templateID, subjectID, by, source, in)
	})
	if err != nil {
		if errors.Is(err, ErrYearFinal) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("store: save scores: %w", err)
	}
	return nil
}

func saveScores(ctx context.Context, tx pgx.Tx, templateID, subjectID int64, by, source string, in []ScoreInput) error {
	changed := false
	for _, e := range in {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM score_clauses WHERE template_id = $1 AND id = $2)`, templateID, e.ClauseID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return ErrInvalid
		}
		if e.Clear {
			tag, err := tx.Exec(ctx, `DELETE FROM score_entries WHERE subject_id = $1 AND clause_id = $2`, subjectID, e.ClauseID)
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO score_history (subject_id, clause_id, points, bonus, deduction, vetoed, note, source, by_name)
					VALUES ($1, $2, 0, 0, 0, false, '清除评分', $3, $4)`, subjectID, e.ClauseID, source, by); err != nil {
					return err
				}
			}
			continue
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO score_entries (subject_id, clause_id, points, bonus, deduction, vetoed, note, scored_by_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (subject_id, clause_id) DO UPDATE
			SET points = EXCLUDED.points, bonus = EXCLUDED.bonus, deduction = EXCLUDED.deduction, vetoed = EXCLUDED.vetoed,
			    note = EXCLUDED.note, scored_by_name = EXCLUDED.scored_by_name, scored_at = now()
			WHERE (score_entries.points, score_entries.bonus, score_entries.deduction, score_entries.vetoed, score_entries.note)
			   IS DISTINCT FROM (EXCLUDED.points, EXCLUDED.bonus, EXCLUDED.deduction, EXCLUDED.vetoed, EXCLUDED.note)`,
			subjectID, e.ClauseID, e.Points, e.Bonus, e.Deduction, e.Vetoed, e.Note, by)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			changed = true
			if _, err := tx.Exec(ctx, `
				INSERT INTO score_history (subject_id, clause_id, points, bonus, deduction, vetoed, note, source, by_name)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				subjectID, e.ClauseID, e.Points, e.Bonus, e.Deduction, e.Vetoed, e.Note, source, by); err != nil {
				return err
			}
		}
		if e.RemoveFile || e.File != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM score_files WHERE subject_id = $1 AND clause_id = $2`, subjectID, e.ClauseID); err != nil {
				return err
			}
		}
		if e.File != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO score_files (subject_id, clause_id, file_name, content_type, size, data) VALUES ($1, $2, $3, $4, $5, $6)`,
				subjectID, e.ClauseID, e.File.Name, e.File.ContentType, len(e.File.Data), e.File.Data); err != nil {
				return err
			}
		}
	}
	if changed {
		_, err := tx.Exec(ctx, `UPDATE score_templates SET frozen_at = now() WHERE id = $1 AND frozen_at IS NULL`, templateID)
		return err
	}
	return nil
}

// ScoreFile returns an entry's evidence file.
func (s *Store) ScoreFile(ctx context.Context, townshipID, subjectID, clauseID int64) (Upload, error) {
	var f Upload
	err := s.pool.QueryRow(ctx, `
		SELECT f.file_name, f.content_type, f.data FROM score_files f JOIN score_subjects s ON s.id = f.subject_id
		WHERE s.township_id = $1 AND f.subject_id = $2 AND f.clause_id = $3`, townshipID, subjectID, clauseID).Scan(&f.Name, &f.ContentType, &f.Data)
	if err != nil {
		return f, fmt.Errorf("store: score file: %w", notFound(err))
	}
	return f, nil
}

// ScoreYearEvent is a line of the year's lock history.
type ScoreYearEvent struct {
	Kind   string    `db:"kind"`
	Reason string    `db:"reason"`
	ByName string    `db:"by_name"`
	At     time.Time `db:"at"`
}

// ScoreYearEvents lists the year's finalisations, reopenings and publication, newest first.
func (s *Store) ScoreYearEvents(ctx context.Context, townshipID int64, year int) ([]ScoreYearEvent, error) {
	rows, _ := s.pool.Query(ctx, `SELECT kind, reason, by_name, at FROM score_year_events
		WHERE township_id = $1 AND year = $2 ORDER BY at DESC, id DESC`, townshipID, year)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ScoreYearEvent])
	if err != nil {
		return nil, fmt.Errorf("store: score year events: %w", err)
	}
	return out, nil
}

// ErrYearState means the assessment year is not in the state the step needs: finalising
// a final year, reopening or publishing an open one.
var ErrYearState = errors.New("store: score year not in that state")

// FinaliseScoreYear locks the year's sheets (定稿).
func (s *Store) FinaliseScoreYear(ctx context.Context, townshipID int64, year int, by string) error {
	return s.scoreYearEvent(ctx, townshipID, year, "finalise", "", by,
		`UPDATE score_years SET status = 'final' WHERE township_id = $1 AND year = $2 AND status = 'open'`)
}

// ReopenScoreYear unlocks a final year; the reason is kept.
func (s *Store) ReopenScoreYear(ctx context.Context, townshipID int64, year int, reason, by string) error {
	return s.scoreYearEvent(ctx, townshipID, year, "reopen", reason, by,
		`UPDATE score_years SET status = 'open' WHERE township_id = $1 AND year = $2 AND status = 'final'`)
}

// PublishScoreYear shows a final year's results (公布), which starts the appeal window.
// Publishing again restarts the window (after corrections, say).
func (s *Store) PublishScoreYear(ctx context.Context, townshipID int64, year int, by string) error {
	return s.scoreYearEvent(ctx, townshipID, year, "publish", "", by,
		`UPDATE score_years SET published_at = now() WHERE township_id = $1 AND year = $2 AND status = 'final'`)
}

func (s *Store) scoreYearEvent(ctx context.Context, townshipID int64, year int, kind, reason, by, update string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, update, townshipID, year)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrYearState
		}
		_, err = tx.Exec(ctx, `INSERT INTO score_year_events (township_id, year, kind, reason, by_name) VALUES ($1, $2, $3, $4, $5)`,
			townshipID, year, kind, reason, by)
		return err
	})
	if err != nil && !errors.Is(err, ErrYearState) {
		return fmt.Errorf("store: score year %s: %w", kind, err)
	}
	return err
}

// SaveBands sets the year's band thresholds and appeal periods.
func (s *Store) SaveBands(ctx context.Context, townshipID int64, year int, y ScoreYear) error {
	tag, err := s.pool.Exec(ctx, `
		UPDATE score_years SET advanced_pct = $3, normal_pct = $4, appeal_days = $5, review_days = $6
		WHERE township_id = $1 AND year = $2`, townshipID, year, y.AdvancedPct, y.NormalPct, y.AppealDays, y.ReviewDays)
	if err != nil {
		return fmt.Errorf("store: save bands: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// ScoreImportRow is one row of an imported workbook of clause scores.
type ScoreImportRow struct {
	SubjectID int64
	Score     ScoreInput
}

// ImportScores writes every row in one transaction: all or nothing. The error of a row
// that fails names its index.
func (s *Store) ImportScores(ctx context.Context, townshipID int64, year int, by string, rows []ScoreImportRow) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM score_years WHERE township_id = $1 AND year = $2 FOR UPDATE`, townshipID, year).Scan(&status)
		if err != nil {
			return notFound(err)
		}
		if status == "final" {
			return ErrYearFinal
		}
		for i, r := range rows {
			var templateID *int64
			err := tx.QueryRow(ctx, `SELECT template_id FROM score_subjects WHERE township_id = $1 AND year = $2 AND id = $3`,
				townshipID, year, r.SubjectID).Scan(&templateID)
			if err != nil {
				return &RowError{Index: i, Err: notFound(err)}
			}
			if templateID == nil {
				return &RowError{Index: i, Err: ErrInvalid}
			}
			if err := saveScores(ctx, tx, *templateID, r.SubjectID, by, "import", []ScoreInput{r.Score}); err != nil {
				return &RowError{Index: i, Err: err}
			}
		}
		return nil
	})
}

// CountyRankRow is one row of an imported county assessment: a rank and/or a score.
type CountyRankRow struct {
	SubjectID int64
	Rank      *int
	Score     *int64 // hundredths
}

// ImportCountyRanks records the county's annual target assessment for the year's
// subjects, all or nothing. An imported rank replaces the computed one.
func (s *Store) ImportCountyRanks(ctx context.Context, townshipID int64, year int, rows []CountyRankRow) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, r := range rows {
			tag, err := tx.Exec(ctx, `
				UPDATE score_subjects SET county_rank = $4, county_score = $5, county_at = now()
				WHERE township_id = $1 AND year = $2 AND id = $3`, townshipID, year, r.SubjectID, r.Rank, r.Score)
			if err != nil {
				return &RowError{Index: i, Err: err}
			}
			if tag.RowsAffected() == 0 {
				return &RowError{Index: i, Err: ErrNotFound}
			}
		}
		return nil
	})
}

// ClearCountyRank removes an imported county result from one subject.
func (s *Store) ClearCountyRank(ctx context.Context, townshipID, subjectID int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE score_subjects SET county_rank = NULL, county_score = NULL, county_at = NULL
		WHERE township_id = $1 AND id = $2`, townshipID, subjectID)
	if err != nil {
		return fmt.Errorf("store: clear county rank: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
