package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"pingyi/internal/rules"
)

// The county (县委组织部) reads every township of its county. Its accounts have no township;
// a county request is scoped, read-only, to the county's townships (scope.go).

// CountyTownships lists the townships of a county by pinyin.
func (s *Store) CountyTownships(ctx context.Context, county string) ([]Township, error) {
	// A county account's townships are what its requests are scoped to: found before.
	rows, _ := s.pool.Query(unscoped(ctx), `
		SELECT id, name, county, objection_contact FROM townships
		WHERE county = $1 ORDER BY name COLLATE zh_pinyin`, county)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Township])
	if err != nil {
		return nil, fmt.Errorf("store: county townships: %w", err)
	}
	return items, nil
}

// CreateTownship adds a township to a county, with its built-in rater categories and
// groups; a township of the same name is ErrConflict.
func (s *Store) CreateTownship(ctx context.Context, name, county string) (Township, error) {
	name, county = strings.TrimSpace(name), strings.TrimSpace(county)
	if name == "" || county == "" {
		return Township{}, fmt.Errorf("%w: 乡镇名称和所属县都不能为空", ErrInvalid)
	}
	if _, err := s.TownshipByName(ctx, name); err == nil {
		return Township{}, ErrConflict
	} else if !errors.Is(err, ErrNotFound) {
		return Township{}, err
	}
	return s.EnsureTownship(ctx, name, county)
}

// CountyUserInput is a county account as the command line gives it.
type CountyUserInput struct {
	County       string
	Username     string
	DisplayName  string
	PasswordHash string
}

// CreateCountyUser adds a county account; the county must have at least one township.
func (s *Store) CreateCountyUser(ctx context.Context, in CountyUserInput) (int64, error) {
	towns, err := s.CountyTownships(ctx, in.County)
	if err != nil {
		return 0, err
	}
	if len(towns) == 0 {
		return 0, fmt.Errorf("%w: 「%s」下还没有乡镇", ErrInvalid, in.County)
	}
	var id int64
	err = s.pool.QueryRow(unscoped(ctx), `
		INSERT INTO users (township_id, county, username, display_name, role, password_hash)
		VALUES (NULL, $1, $2, $3, 'county', $4) RETURNING id`,
		in.County, in.Username, in.DisplayName, in.PasswordHash).Scan(&id)
	if isUniqueViolation(err) {
		return 0, ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("store: create county user: %w", err)
	}
	return id, nil
}

// TownshipSummary is one township's year at a glance, for the county's comparison.
type TownshipSummary struct {
	Township Township
	// Rounds and Published count the year's rounds (rehearsals left out); Issued and Cast
	// are the ballot codes handed out and used in those that opened for voting (a draft's
	// codes, printed ahead of the meeting, are not a turnout yet).
	Rounds, Published int
	Issued, Cast      int
	// Outcomes counts the published rounds' results; AverageSatisfaction is the mean of
	// their subjects' weighted satisfaction rates (two decimals, "" when none).
	Outcomes            map[rules.Outcome]int
	Subjects            int
	AverageSatisfaction string
	// Talks of the year that were due by the day: held by their deadline, held late or
	// still pending past it; Pending are not yet due.
	TalksOnTime, TalksLate, TalksPending int
	// Items are the year's published commitment items (top level) by status on the day.
	Items, ItemsDone, ItemsOnTrack, ItemsAtRisk, ItemsOverdue int
}

// TurnoutPct is the share of issued codes used, in whole percent (-1 without codes).
func (t TownshipSummary) TurnoutPct() int {
	if t.Issued == 0 {
		return -1
	}
	return t.Cast * 100 / t.Issued
}

// OnTimePct is the share of due talks held by their deadline, in whole percent (-1 when
// none was due).
func (t TownshipSummary) OnTimePct() int {
	due := t.TalksOnTime + t.TalksLate
	if due == 0 {
		return -1
	}
	return t.TalksOnTime * 100 / due
}

// OnTrackPct is the share of commitment items done or on track, in whole percent (-1
// without items).
func (t TownshipSummary) OnTrackPct() int {
	if t.Items == 0 {
		return -1
	}
	return (t.ItemsDone + t.ItemsOnTrack) * 100 / t.Items
}

// CountyComparison summarises each of the townships' year as of day on. Only published
// results are counted: the county sees no tally before 公示.
func (s *Store) CountyComparison(ctx context.Context, towns []Township, year int, on time.Time) ([]TownshipSummary, error) {
	out := make([]TownshipSummary, len(towns))
	index := map[int64]int{}
	ids := make([]int64, len(towns))
	for i, t := range towns {
		out[i] = TownshipSummary{Township: t, Outcomes: map[rules.Outcome]int{}}
		index[t.ID] = i
		ids[i] = t.ID
	}
	rows, err := s.pool.Query(ctx, `
		SELECT r.township_id, count(*)::int, count(*) FILTER (WHERE r.status = 'published')::int,
		       coalesce(sum((SELECT count(*) FROM ballot_codes c WHERE c.round_id = r.id AND NOT c.void)) FILTER (WHERE r.status <> 'draft'), 0)::int,
		       coalesce(sum((SELECT count(*) FROM ballot_codes c WHERE c.round_id = r.id AND c.spent)), 0)::int
		FROM rounds r WHERE r.township_id = ANY($1) AND r.year = $2 AND NOT r.rehearsal
		GROUP BY r.township_id`, ids, year)
	if err != nil {
		return nil, fmt.Errorf("store: county rounds: %w", err)
	}
	var tid int64
	var a, b, c, d int
	_, err = pgx.ForEachRow(rows, []any{&tid, &a, &b, &c, &d}, func() error {
		o := &out[index[tid]]
		o.Rounds, o.Published, o.Issued, o.Cast = a, b, c, d
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: county rounds: %w", err)
	}
	rows, err = s.pool.Query(ctx, `
		SELECT r.township_id, rr.outcome, count(*)::int
		FROM round_results rr JOIN rounds r ON r.id = rr.round_id
		WHERE r.township_id = ANY($1) AND r.year = $2 AND r.status = 'published' AND NOT r.rehearsal
		GROUP BY 1, 2`, ids, year)
	if err != nil {
		return nil, fmt.Errorf("store: county outcomes: %w", err)
	}
	var outcome string
	_, err = pgx.ForEachRow(rows, []any{&tid, &outcome, &a}, func() error {
		o := &out[index[tid]]
		o.Outcomes[rules.Outcome(outcome)] = a
		o.Subjects += a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: county outcomes: %w", err)
	}
	rows, err = s.pool.Query(ctx, `
		SELECT r.township_id, round(avg(rr.satisfaction::numeric), 2)::text
		FROM round_results rr JOIN rounds r ON r.id = rr.round_id
		WHERE r.township_id = ANY($1) AND r.year = $2 AND r.status = 'published' AND NOT r.rehearsal
		  AND rr.satisfaction IS NOT NULL
		GROUP BY 1`, ids, year)
	if err != nil {
		return nil, fmt.Errorf("store: county satisfaction: %w", err)
	}
	var avg string
	_, err = pgx.ForEachRow(rows, []any{&tid, &avg}, func() error {
		out[index[tid]].AverageSatisfaction = avg
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: county satisfaction: %w", err)
	}
	for i := range out {
		if err := s.summariseTalks(ctx, &out[i], year, on); err != nil {
			return nil, err
		}
		if err := s.summariseCommitments(ctx, &out[i], year, on); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) summariseTalks(ctx context.Context, o *TownshipSummary, year int, on time.Time) error {
	talks, err := s.TalkList(ctx, o.Township.ID, on, TalkFilter{Year: year})
	if err != nil {
		return err
	}
	day := LocalDay(on)
	for _, t := range talks {
		switch {
		case t.Deadline == nil:
			if !t.Held() {
				o.TalksPending++
			}
		case t.Held() && t.HeldOn != nil && !t.HeldOn.After(*t.Deadline):
			o.TalksOnTime++
		case t.Held() || t.Deadline.Before(day):
			o.TalksLate++
		default:
			o.TalksPending++
		}
	}
	return nil
}

func (s *Store) summariseCommitments(ctx context.Context, o *TownshipSummary, year int, on time.Time) error {
	boards, err := s.Boards(ctx, o.Township.ID, year, true)
	if err != nil {
		return err
	}
	for _, b := range boards {
		states := b.Assess(on)
		for _, it := range b.Items {
			if it.ParentID != nil {
				continue
			}
			o.Items++
			switch states[it.ID].Status {
			case rules.ItemDone:
				o.ItemsDone++
			case rules.ItemOnTrack:
				o.ItemsOnTrack++
			case rules.ItemAtRisk:
				o.ItemsAtRisk++
			case rules.ItemOverdue:
				o.ItemsOverdue++
			}
		}
	}
	return nil
}

// CountyLatestYear is the newest year in which one of the townships published a round
// (rehearsals left out), the year the county's comparison opens on; ok is false when
// none has published any.
func (s *Store) CountyLatestYear(ctx context.Context, towns []Township) (year int, ok bool, err error) {
	ids := make([]int64, len(towns))
	for i, t := range towns {
		ids[i] = t.ID
	}
	var y *int
	err = s.pool.QueryRow(ctx, `
		SELECT max(year) FROM rounds WHERE township_id = ANY($1) AND status = 'published' AND NOT rehearsal`, ids).Scan(&y)
	if err != nil {
		return 0, false, fmt.Errorf("store: county latest year: %w", err)
	}
	if y == nil {
		return 0, false, nil
	}
	return *y, true, nil
}
