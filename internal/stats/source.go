package stats

import (
	"context"
	"errors"
	"regexp"
	"time"

	"guanai/internal/child"
)

// Registry is what the statistics read of the registry, and all they read of it: the records
// (as the rules need them; the reader's jurisdiction and permissions are the implementation's
// to enforce, from the principal in the context), a version that moves on every write, and the
// monthly snapshots. internal/store implements it; the statistics never see SQL.
type Registry interface {
	// EachRecord calls fn for every record that is not archived with an address (residence or
	// hukou) in region ("" = every one the principal may count), with its status.
	EachRecord(ctx context.Context, region string, fn func(r *child.Record, status string) error) error
	// StatsVersion changes whenever a record is written.
	StatsVersion(ctx context.Context) (int64, error)
	// PutSnapshot stores (or replaces) the snapshot of a month and region.
	PutSnapshot(ctx context.Context, r SnapshotRow) error
	// Snapshot returns the snapshot of a month and region, internal or published; an error
	// whose ErrorCode() is "not_found" when none was taken.
	Snapshot(ctx context.Context, month, region string, published bool) (*SnapshotRow, error)
	// Snapshots returns the snapshots of a region from month from to month to (inclusive; ""
	// = no bound), in month order.
	Snapshots(ctx context.Context, region, from, to string, published bool) ([]SnapshotRow, error)
}

// SnapshotRow is a stored monthly snapshot of a region's counts.
type SnapshotRow struct {
	Month  string // YYYY-MM
	Region string // natural division code; "" = the whole database
	// Published marks the snapshot of the published report (disclosure control applied): what
	// those who may not see small counts are shown. Each month has both.
	Published bool
	AsOf      child.Date
	Records   int64
	Data      []byte
	TakenAt   time.Time
	TakenBy   string
}

var monthRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// ValidMonth reports whether m is a month YYYY-MM.
func ValidMonth(m string) bool { return monthRE.MatchString(m) }

// RegistrySource yields the records of reg with an address in the region for Compute.
func RegistrySource(ctx context.Context, reg Registry, regionCode string) Source {
	return func(yield func(*child.Record, string) bool) error {
		stop := errors.New("stop")
		err := reg.EachRecord(ctx, regionCode, func(r *child.Record, status string) error {
			if !yield(r, status) {
				return stop
			}
			return nil
		})
		if err == stop {
			return nil
		}
		return err
	}
}

// notFound reports whether err says that what was asked for does not exist.
func notFound(err error) bool {
	var c interface{ ErrorCode() string }
	return errors.As(err, &c) && c.ErrorCode() == "not_found"
}
