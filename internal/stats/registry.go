package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
)

// The statistics of the registry (the store), for guanai stats and the web API.
//
// A report is computed from the records themselves, classified again as of the date asked
// (Compute), so that any date gives its own answers. That is one pass over the decrypted records:
// seconds for a city of a million children. Reads are made cheap by keeping the result: the
// Service holds the last reports computed, each with the registry's data version at the time
// (Registry.StatsVersion, bumped on every write to the records). A report whose version
// is still current is the answer; one whose version moved is computed again — in the background
// while the old one, marked stale, is served, if it is younger than MaxStale; at once otherwise.
// The serve process keeps the city's and every district's report of today current (Warm), so
// that the dashboard and a district's tables are always a cache hit.

// ComputeMany computes the reports of several queries in one pass over src: every record is read
// (and decrypted) once and handed to one Compute per query. Queries may differ in region and
// date.
func ComputeMany(src Source, qs []Query) ([]*Report, error) {
	if len(qs) == 0 {
		return nil, nil
	}
	if len(qs) == 1 {
		r, err := Compute(src, qs[0])
		return []*Report{r}, err
	}
	for _, q := range qs {
		if _, err := newPlan(q); err != nil {
			return nil, fmt.Errorf("stats: %w", err)
		}
	}
	chans := make([]chan []item, len(qs))
	out := make([]*Report, len(qs))
	errs := make([]error, len(qs))
	var wg sync.WaitGroup
	for i, q := range qs {
		ch := make(chan []item, 4)
		chans[i] = ch
		if q.Workers == 0 {
			q.Workers = 1
		}
		wg.Go(func() {
			out[i], errs[i] = Compute(func(yield func(*child.Record, string) bool) error {
				ok := true
				for b := range ch {
					for j := 0; ok && j < len(b); j++ {
						ok = yield(b[j].r, b[j].status)
					}
				}
				return nil
			}, q)
		})
	}
	batch := make([]item, 0, batchSize)
	flush := func() {
		for _, ch := range chans {
			ch <- batch
		}
		batch = make([]item, 0, batchSize) // the Computes share the batch: never reuse it
	}
	err := src(func(r *child.Record, status string) bool {
		batch = append(batch, item{r, status})
		if len(batch) == batchSize {
			flush()
		}
		return true
	})
	if len(batch) > 0 {
		flush()
	}
	for _, ch := range chans {
		close(ch)
	}
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("stats: read records: %w", err)
	}
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return out, nil
}

// PublishBudget bounds the time disclosure control may take for a report served or
// snapshotted (four times this for a snapshot); past it the tables are withheld entirely
// (SuppressReportWithin). Sparse reports of small areas are the slow ones.
var PublishBudget = 3 * time.Second

// MinPublishedRecords is the least number of records a region needs for a published snapshot.
const MinPublishedRecords = 100

// Service computes and keeps the reports of a registry.
type Service struct {
	Registry Registry
	// MaxStale is how old a report may be and still be served while it is computed again after
	// a write (default 10 minutes). 0 after construction means the default; negative: never stale.
	MaxStale time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*entry
	tick    int64
}

// NewService returns a Service over reg.
func NewService(reg Registry) *Service {
	return &Service{Registry: reg, entries: map[string]*entry{}}
}

// maxEntries bounds the reports kept (a report is a few hundred kilobytes).
const maxEntries = 256

type entry struct {
	ready    chan struct{} // closed when the first computation ends
	rep      *Report
	err      error
	version  int64
	computed time.Time
	used     int64
	running  bool // a recomputation is under way
	// pub holds the published (suppressed) forms of rep by threshold.
	pub map[int]*Report
}

// Info says where a report came from.
type Info struct {
	Version  int64     // the data version it was computed at
	Computed time.Time // when
	Stale    bool      // the registry changed since; a fresh report is being computed
	Cached   bool      // served from the cache
}

func (sv *Service) now() time.Time {
	if sv.Now != nil {
		return sv.Now()
	}
	return time.Now()
}

func (sv *Service) maxStale() time.Duration {
	if sv.MaxStale == 0 {
		return 10 * time.Minute
	}
	return sv.MaxStale
}

// cacheKey names a query. A report of a region counts only records with an address in it, so
// every principal whose jurisdiction holds the region sees the same report (the web layer
// refuses a region outside the jurisdiction): the key is the region's. Only a query of the
// whole database ("") depends on who asks.
func cacheKey(ctx context.Context, q Query) string {
	scope := "*"
	reg := ""
	if q.Region != "" {
		if d, ok := region.Default().Lookup(q.Region); ok {
			reg = d.Code
		}
	} else if p := auth.PrincipalFrom(ctx); p != nil {
		scope = p.Scope
	}
	c := q.Config
	return fmt.Sprintf("%s|%s|%s|%d|%d|%d|%v", scope, q.AsOf, reg, c.AgeLimit, c.MigrantMonths, c.LeftBehindMonths, c.CentralUrban)
}

// Report returns the report of q over the registry, as the principal of ctx may see it: from the
// cache when the registry has not changed since it was computed.
func (sv *Service) Report(ctx context.Context, q Query) (*Report, Info, error) {
	if _, err := newPlan(q); err != nil {
		return nil, Info{}, fmt.Errorf("stats: %w", err)
	}
	v, err := sv.Registry.StatsVersion(ctx)
	if err != nil {
		return nil, Info{}, err
	}
	key := cacheKey(ctx, q)
	sv.mu.Lock()
	if sv.entries == nil {
		sv.entries = map[string]*entry{}
	}
	sv.tick++
	e := sv.entries[key]
	if e != nil {
		e.used = sv.tick
		select {
		case <-e.ready:
			if e.err == nil && e.version == v {
				sv.mu.Unlock()
				return e.rep, Info{Version: e.version, Computed: e.computed, Cached: true}, nil
			}
			if e.err == nil && sv.maxStale() > 0 && sv.now().Sub(e.computed) < sv.maxStale() {
				if !e.running {
					e.running = true
					go sv.recompute(context.WithoutCancel(ctx), key, q, e)
				}
				sv.mu.Unlock()
				return e.rep, Info{Version: e.version, Computed: e.computed, Stale: true, Cached: true}, nil
			}
		default:
			sv.mu.Unlock()
			select {
			case <-e.ready:
			case <-ctx.Done():
				return nil, Info{}, ctx.Err()
			}
			if e.err == nil {
				return e.rep, Info{Version: e.version, Computed: e.computed, Cached: true}, nil
			}
			sv.mu.Lock()
		}
	}
	e = &entry{ready: make(chan struct{}), used: sv.tick}
	sv.entries[key] = e
	sv.evict()
	sv.mu.Unlock()
	rep, err := Compute(RegistrySource(ctx, sv.Registry, q.Region), q)
	sv.mu.Lock()
	e.rep, e.err, e.version, e.computed = rep, err, v, sv.now()
	if err != nil && sv.entries[key] == e {
		delete(sv.entries, key)
	}
	close(e.ready)
	sv.mu.Unlock()
	if err != nil {
		return nil, Info{}, err
	}
	return rep, Info{Version: v, Computed: e.computed}, nil
}

// recompute refreshes a stale entry in the background.
func (sv *Service) recompute(ctx context.Context, key string, q Query, e *entry) {
	v, err := sv.Registry.StatsVersion(ctx)
	var rep *Report
	if err == nil {
		rep, err = Compute(RegistrySource(ctx, sv.Registry, q.Region), q)
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	e.running = false
	if err == nil {
		e.rep, e.version, e.computed, e.pub = rep, v, sv.now(), nil
	}
}

// Published returns the report of q with disclosure control applied (SuppressReport at
// threshold), kept with the report it was made from.
func (sv *Service) Published(ctx context.Context, q Query, threshold int) (*Report, Info, error) {
	rep, info, err := sv.Report(ctx, q)
	if err != nil {
		return nil, info, err
	}
	key := cacheKey(ctx, q)
	sv.mu.Lock()
	e := sv.entries[key]
	if e != nil && e.rep == rep && e.pub[threshold] != nil {
		p := e.pub[threshold]
		sv.mu.Unlock()
		return p, info, nil
	}
	sv.mu.Unlock()
	pub, _ := SuppressReportWithin(rep, threshold, PublishBudget)
	sv.mu.Lock()
	if e != nil && e.rep == rep {
		if e.pub == nil {
			e.pub = map[int]*Report{}
		}
		e.pub[threshold] = pub
	}
	sv.mu.Unlock()
	return pub, info, nil
}

// evict drops the least recently used entries beyond maxEntries (sv.mu held).
func (sv *Service) evict() {
	for len(sv.entries) > maxEntries {
		var oldK string
		var old int64 = -1
		for k, e := range sv.entries {
			if old < 0 || e.used < old {
				oldK, old = k, e.used
			}
		}
		delete(sv.entries, oldK)
	}
}

// Warm computes, in one pass, the reports of today for the whole database and for each of the
// given regions, and keeps them, so that the next reads are cache hits — for every user whose
// jurisdiction holds the region (see cacheKey). The serve process calls it through Daily and
// KeepWarm.
func (sv *Service) Warm(ctx context.Context, today child.Date, regions []string, q Query) error {
	v, err := sv.Registry.StatsVersion(ctx)
	if err != nil {
		return err
	}
	qs := []Query{}
	for _, r := range append([]string{""}, regions...) {
		qq := q
		qq.AsOf, qq.Region = today, r
		qs = append(qs, qq)
	}
	reps, err := ComputeMany(RegistrySource(ctx, sv.Registry, ""), qs)
	if err != nil {
		return err
	}
	now := sv.now()
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.entries == nil {
		sv.entries = map[string]*entry{}
	}
	for i, qq := range qs {
		sv.tick++
		e := &entry{ready: make(chan struct{}), rep: reps[i], version: v, computed: now, used: sv.tick}
		close(e.ready)
		sv.entries[cacheKey(ctx, qq)] = e
	}
	sv.evict()
	return nil
}

// Daily is what the serve command's daily loop calls: the monthly snapshot when due
// (DailySnapshot: on the 1st for the month before, or later until it is taken), then today's
// reports of the whole database and of each district warmed. It returns the month snapshotted,
// "" when none was due.
func (sv *Service) Daily(ctx context.Context, today child.Date, q Query) (string, error) {
	month, err := DailySnapshot(ctx, sv.Registry, today, q)
	if err != nil {
		return "", err
	}
	whole, _, err := sv.Report(ctx, Query{AsOf: today, Config: q.Config})
	if err != nil {
		return month, err
	}
	return month, sv.Warm(ctx, today, append([]string{whole.Region}, Districts(whole.Region)...), q)
}

// KeepWarm warms today's reports (Warm, for the whole database and its districts) whenever the
// registry changed, checking every interval until ctx ends: the serve command runs it in a
// goroutine so that the dashboard's reads stay cache hits after imports and edits.
func (sv *Service) KeepWarm(ctx context.Context, interval time.Duration, today func() child.Date, q Query) {
	last := int64(-1)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if v, err := sv.Registry.StatsVersion(ctx); err == nil && v != last {
			d := today()
			whole, _, err := sv.Report(ctx, Query{AsOf: d, Config: q.Config})
			if err == nil && sv.Warm(ctx, d, append([]string{whole.Region}, Districts(whole.Region)...), q) == nil {
				last = v
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Districts returns the codes of the divisions one level below region (its districts for a
// city), for Warm.
func Districts(regionCode string) []string {
	tbl := region.Default()
	d, ok := tbl.Lookup(regionCode)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range tbl.Children(d.Code) {
		out = append(out, c.Code)
	}
	sort.Strings(out)
	return out
}

// LastDayOfMonth returns the last day of month m (YYYY-MM).
func LastDayOfMonth(m string) (child.Date, error) {
	if !ValidMonth(m) {
		return 0, queryErr("月份“%s”无效，应为 YYYY-MM", m)
	}
	t, _ := time.Parse("2006-01", m)
	return child.DateOf(t.AddDate(0, 1, -1)), nil
}

// SnapshotRegions are the regions a monthly snapshot keeps besides the whole database: the
// divisions of the data's region down to townships (for Wuhai: the city, 3 districts, their
// townships).
func SnapshotRegions(top string) []string {
	tbl := region.Default()
	d, ok := tbl.Lookup(top)
	if !ok {
		return nil
	}
	out := []string{d.Code}
	var walk func(code string)
	walk = func(code string) {
		for _, c := range tbl.Children(code) {
			if c.Level > region.Township {
				continue
			}
			out = append(out, c.Code)
			walk(c.Code)
		}
	}
	walk(d.Code)
	return out
}

// TakeSnapshot computes, in one pass as of the last day of month m, the reports of the whole
// database and of every division down to townships under the data's region, and stores their
// snapshots (replacing those of the month): the internal counts and, for regions with at least
// MinPublishedRecords records, the published form (SuppressReport at threshold 5, each region's
// report audited on its own; a smaller area's published tables would be mostly withheld, and
// its trend is not shown to those who see only published figures). It returns the regions
// stored.
func TakeSnapshot(ctx context.Context, s Registry, month string, q Query) ([]string, error) {
	const threshold = 5
	asOf, err := LastDayOfMonth(month)
	if err != nil {
		return nil, err
	}
	q.AsOf, q.Region = asOf, ""
	whole, err := Compute(RegistrySource(ctx, s, ""), q)
	if err != nil {
		return nil, err
	}
	regions := SnapshotRegions(whole.Region)
	qs := make([]Query, len(regions))
	for i, r := range regions {
		qs[i] = q
		qs[i].Region = r
	}
	reps, err := ComputeMany(RegistrySource(ctx, s, ""), qs)
	if err != nil {
		return nil, err
	}
	reps, regions = append([]*Report{whole}, reps...), append([]string{""}, regions...)
	for i, rep := range reps {
		forms := []*Report{rep}
		if rep.Totals.Records >= MinPublishedRecords {
			pub, _ := SuppressReportWithin(rep, threshold, PublishBudget)
			forms = append(forms, pub)
		}
		for _, r := range forms {
			data, err := jsonMarshal(r.Snapshot())
			if err != nil {
				return nil, err
			}
			if err := s.PutSnapshot(ctx, SnapshotRow{Month: month, Region: regions[i], Published: r.Published,
				AsOf: asOf, Records: rep.Totals.Records, Data: data}); err != nil {
				return nil, err
			}
		}
	}
	return regions, nil
}

// SnapshotDue reports the month whose snapshot the daily loop should take on day today: the month
// before, on the first day of a month (and on any later day while it is missing, so that a server
// down on the 1st catches up), "" when there is nothing to do.
func SnapshotDue(ctx context.Context, s Registry, today child.Date) (string, error) {
	t := time.Date(today.Year(), time.Month(today.Month()), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	month := t.Format("2006-01")
	if _, err := s.Snapshot(ctx, month, "", false); err == nil {
		return "", nil
	} else if !notFound(err) {
		return "", err
	}
	return month, nil
}

// DailySnapshot is what the serve command's daily loop calls once a day: on the first day of a
// month (or later, until it is done) it takes the snapshot of the month before. It returns the
// month taken, "" when none was due.
func DailySnapshot(ctx context.Context, s Registry, today child.Date, q Query) (string, error) {
	month, err := SnapshotDue(ctx, s, today)
	if err != nil || month == "" {
		return "", err
	}
	if _, err := TakeSnapshot(ctx, s, month, q); err != nil {
		return "", err
	}
	return month, nil
}

// LoadTrend reads the snapshots of a region (internal, or the published ones) from month from to
// month to and returns the points of key (see Snapshot.Value), in month order.
func LoadTrend(ctx context.Context, s Registry, regionCode, key, from, to string, published bool) ([]TrendPoint, error) {
	rows, err := s.Snapshots(ctx, regionCode, from, to, published)
	if err != nil {
		return nil, err
	}
	snaps := make([]Snapshot, 0, len(rows))
	for _, r := range rows {
		var sn Snapshot
		if err := jsonUnmarshal(r.Data, &sn); err != nil {
			return nil, fmt.Errorf("stats: snapshot %s %s: %w", r.Month, r.Region, err)
		}
		snaps = append(snaps, sn)
	}
	if len(snaps) == 0 {
		return []TrendPoint{}, nil
	}
	return Trend(snaps, key)
}

// regionOrEmpty normalises a division code ("" stays "").
func regionOrEmpty(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", true
	}
	d, ok := region.Default().Lookup(code)
	return d.Code, ok
}

// UnmarshalSnapshot reads a stored snapshot.
func UnmarshalSnapshot(b []byte, s *Snapshot) error { return json.Unmarshal(b, s) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
