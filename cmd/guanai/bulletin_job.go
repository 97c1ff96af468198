package main

import (
	"context"
	"log/slog"
	"time"

	"guanai/internal/child"
	"guanai/internal/store"
)

// bulletinJob issues the periodic bulletins (定期调度通报): at start and shortly after every
// midnight (China time), the bulletins due that day — one per campaign and month, on or after
// the day of the month day (guanai serve --bulletin-day; 0 turns the job off).
func bulletinJob(ctx context.Context, env *Env, s *store.Store, log *slog.Logger, day int) {
	if day == 0 {
		return
	}
	for {
		today := child.DateOf(env.Now().In(chinaTime))
		ns, err := s.IssueBulletins(ctx, today, day)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("periodic bulletins failed", "err", err)
		case len(ns) > 0:
			log.Info("periodic bulletins issued", "numbers", ns)
		}
		now := env.Now().In(chinaTime)
		next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 10, 0, 0, chinaTime)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
	}
}
