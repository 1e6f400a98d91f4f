package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Rater groups (计票组, method.md §3): each rater category votes in one group, and a
// subject's rate is the weighted mean of its groups' rates. A township keeps its own
// groups; a round copies those it uses, with their names and weights.

// The built-in groups every township starts with.
const (
	GroupPeer   = "peer"   // 党委票决 / 同级互评
	GroupPublic = "public" // 公众评议
)

// MaxGroups is how many groups a round may weigh.
const MaxGroups = 6

// Group is a rater group with its weight in whole percent (a township's default weight,
// or a round's own).
type Group struct {
	Key      string `db:"key"`
	Name     string `db:"name"`
	Weight   int    `db:"weight"`
	Position int    `db:"position"`
}

// DefaultGroups are the groups a new township starts with: 党委票决 40, 公众评议 60.
func DefaultGroups() []Group {
	return []Group{{Key: GroupPeer, Name: "党委票决", Weight: 40, Position: 1}, {Key: GroupPublic, Name: "公众评议", Weight: 60, Position: 2}}
}

// ErrGroupInUse means a group cannot go: rater categories belong to it.
var ErrGroupInUse = errors.New("store: group has categories")

func ensureDefaultGroups(ctx context.Context, q querier, townshipID int64) error {
	for _, g := range DefaultGroups() {
		if _, err := q.Exec(ctx, `
			INSERT INTO township_groups (township_id, key, name, default_weight, position)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, townshipID, g.Key, g.Name, g.Weight, g.Position); err != nil {
			return err
		}
	}
	return nil
}

// TownshipGroups lists the township's rater groups with their default weights.
func (s *Store) TownshipGroups(ctx context.Context, townshipID int64) ([]Group, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT key, name, default_weight AS weight, position FROM township_groups
		WHERE township_id = $1 ORDER BY position, key`, townshipID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Group])
	if err != nil {
		return nil, fmt.Errorf("store: township groups: %w", err)
	}
	return items, nil
}

// SaveTownshipGroup adds a group (key "") or renames one and sets its default weight.
// It returns the group's key. ErrConflict if another group has the name.
func (s *Store) SaveTownshipGroup(ctx context.Context, townshipID int64, key, name string, weight int) (string, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if key == "" {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM township_groups WHERE township_id = $1`, townshipID).Scan(&n); err != nil {
				return err
			}
			if n >= 12 {
				return ErrTooManyGroups
			}
			// Keys are g1, g2, … after the built-in ones; they never change, names may.
			for i := n + 1; ; i++ {
				key = "g" + strconv.Itoa(i)
				tag, err := tx.Exec(ctx, `
					INSERT INTO township_groups (township_id, key, name, default_weight, position)
					VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position), 0) + 1 FROM township_groups WHERE township_id = $1))
					ON CONFLICT (township_id, key) DO NOTHING`, townshipID, key, name, weight)
				if err != nil {
					return err
				}
				if tag.RowsAffected() == 1 {
					return nil
				}
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE township_groups SET name = $3, default_weight = $4 WHERE township_id = $1 AND key = $2`,
			townshipID, key, name, weight)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return nil
	})
	switch {
	case isUniqueViolation(err):
		return "", ErrConflict
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrTooManyGroups):
		return key, err
	}
	return "", fmt.Errorf("store: save township group: %w", err)
}

// DeleteTownshipGroup removes a group no rater category belongs to. Rounds keep their
// own copy.
func (s *Store) DeleteTownshipGroup(ctx context.Context, townshipID int64, key string) error {
	var used int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM rater_categories WHERE township_id = $1 AND default_group = $2`,
		townshipID, key).Scan(&used); err != nil {
		return fmt.Errorf("store: delete township group: %w", err)
	}
	if used > 0 {
		return ErrGroupInUse
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM township_groups WHERE township_id = $1 AND key = $2`, townshipID, key)
	if err != nil {
		return fmt.Errorf("store: delete township group: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// RoundGroups lists a round's rater groups in display order, with the names and weights
// the round was set up with.
func (s *Store) RoundGroups(ctx context.Context, townshipID, roundID int64) ([]Group, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT g.key, g.name, g.weight, g.position FROM round_groups g JOIN rounds r ON r.id = g.round_id
		WHERE r.township_id = $1 AND g.round_id = $2 ORDER BY g.position, g.key`, townshipID, roundID)
	items, err := pgx.CollectRows(rows, pgx.RowToStructByName[Group])
	if err != nil {
		return nil, fmt.Errorf("store: round groups: %w", err)
	}
	return items, nil
}

// GroupNames maps each group's key to its name.
func GroupNames(groups []Group) map[string]string {
	out := make(map[string]string, len(groups))
	for _, g := range groups {
		out[g.Key] = g.Name
	}
	return out
}

// CheckGroups reports what is wrong with a round's groups, in Chinese, or "".
func CheckGroups(groups []Group) string {
	if len(groups) == 0 || len(groups) > MaxGroups {
		return fmt.Sprintf("请为 1–%d 个计票组填写权重", MaxGroups)
	}
	sum := 0
	var names []string
	for _, g := range groups {
		if g.Weight < 1 || g.Weight > 100 {
			return "参加本轮的计票组权重须为 1–100 的整数"
		}
		sum += g.Weight
		names = append(names, fmt.Sprintf("%s %d%%", g.Name, g.Weight))
	}
	if sum != 100 {
		return fmt.Sprintf("权重合计须为 100(现为 %s,合计 %d)", strings.Join(names, "、"), sum)
	}
	return ""
}
