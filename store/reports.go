package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// MarkReported records that snapshot id's report was written at.
func (s *DB) MarkReported(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE snapshots SET reported_at = ? WHERE id = ?`, at.UTC().Format(timeFmt), id); err != nil {
		return fmt.Errorf("mark snapshot %d reported: %w", id, err)
	}
	return nil
}

// Unreported lists the snapshots of the sources (all when none is named)
// whose report was never written, oldest first: a process killed between
// storing a snapshot and writing its report leaves one.
func (s *DB) Unreported(ctx context.Context, sources ...string) ([]int64, error) {
	q := `SELECT id FROM snapshots WHERE reported_at IS NULL`
	var args []any
	if len(sources) > 0 {
		q += ` AND source IN (` + strings.TrimSuffix(strings.Repeat("?,", len(sources)), ",") + `)`
		for _, src := range sources {
			args = append(args, src)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find unreported snapshots: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find unreported snapshots: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
