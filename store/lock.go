package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrLocked means another process holds the source's lock.
var ErrLocked = errors.New("source is locked")

// LockedError says who holds a source's lock and since when.
type LockedError struct {
	Source, Owner string
	Since, Until  time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("source %s is being crawled by %s since %s (lock renewed until %s)", e.Source, e.Owner,
		e.Since.UTC().Format(time.RFC3339), e.Until.UTC().Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock makes owner the one process that crawls source, until until. A
// lock held by another owner is taken over only when it expired or gone
// says its process no longer runs; otherwise Lock returns a *LockedError.
func (s *DB) Lock(ctx context.Context, source, owner string, now, until time.Time, gone func(string) bool) error {
	tx, err := s.db.BeginTx(ctx, nil) // immediate: two processes serialise here
	if err != nil {
		return fmt.Errorf("lock %s: %w", source, err)
	}
	defer tx.Rollback()
	var holder, since, till string
	err = tx.QueryRowContext(ctx, `SELECT owner, since, until FROM locks WHERE source = ?`, source).Scan(&holder, &since, &till)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("lock %s: %w", source, err)
	case holder != owner:
		u, _ := time.Parse(timeFmt, till)
		if now.Before(u) && (gone == nil || !gone(holder)) {
			si, _ := time.Parse(timeFmt, since)
			return &LockedError{Source: source, Owner: holder, Since: si, Until: u}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO locks(source, owner, since, until) VALUES (?, ?, ?, ?)
		ON CONFLICT(source) DO UPDATE SET owner = excluded.owner, since = excluded.since, until = excluded.until`,
		source, owner, now.UTC().Format(timeFmt), until.UTC().Format(timeFmt)); err != nil {
		return fmt.Errorf("lock %s: %w", source, err)
	}
	return tx.Commit()
}

// RenewLock extends owner's lock of source.
func (s *DB) RenewLock(ctx context.Context, source, owner string, until time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE locks SET until = ? WHERE source = ? AND owner = ?`, until.UTC().Format(timeFmt), source, owner)
	if err != nil {
		return fmt.Errorf("renew the lock of %s: %w", source, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("renew the lock of %s: %w", source, ErrLocked)
	}
	return nil
}

// Unlock releases owner's lock of source.
func (s *DB) Unlock(ctx context.Context, source, owner string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM locks WHERE source = ? AND owner = ?`, source, owner); err != nil {
		return fmt.Errorf("unlock %s: %w", source, err)
	}
	return nil
}
