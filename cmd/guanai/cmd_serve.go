package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/region"
	"guanai/internal/rules"
	"guanai/internal/stats"
	"guanai/internal/store"
	"guanai/internal/web"
	"guanai/internal/workflow"
)

func init() {
	commands["serve"] = command{summary: "启动服务（界面与 JSON API）", run: runServe}
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("serve")
	finish := commonFlags(fs, env)
	addr := fs.String("addr", "", "监听地址（默认 127.0.0.1:8080）")
	withDemo := fs.Bool("demo", false, "数据库为空时填入虚构的乌海市演示数据")
	demoSize := fs.Int("demo-size", 5000, "演示数据的儿童人数")
	tlsCert := fs.String("tls-cert", "", "TLS 证书文件（PEM）；与 --tls-key 一起启用 HTTPS")
	tlsKey := fs.String("tls-key", "", "TLS 私钥文件（PEM）")
	insecureHTTP := fs.Bool("insecure-http", false, "允许在非本机地址上以明文 HTTP 提供服务（仅限前置 HTTPS 反向代理时使用）")
	behindProxy := fs.Bool("behind-proxy", false, "服务位于 HTTPS 反向代理之后：会话 Cookie 标记 Secure，客户端地址取自 X-Forwarded-For")
	var trustedProxies prefixList
	fs.Var(&trustedProxies, "trusted-proxy", "可信反向代理的网段（CIDR，可重复给出）；仅当请求来自这些地址时才读取 X-Forwarded-For；与 --behind-proxy 同用，默认 127.0.0.1/32 与 ::1")
	passwordDays := fs.Int("password-max-age", 90, "密码有效期（天），到期须修改；0 表示不过期")
	mfaAboveVillage := fs.Bool("mfa-above-village", true, "村（社区）以上的账号必须使用动态口令")
	bulletinDay := fs.Int("bulletin-day", 1, "每月第几日生成各项摸排工作的定期通报（1–28；0 表示不生成）")
	pos, err := parseOptions(env, fs, "用法: guanai serve [选项]\n\n启动服务：界面、JSON API（/api/v1）与 /healthz。", args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	if *addr != "" {
		c.Addr = *addr
	}
	if *bulletinDay < 0 || *bulletinDay > 28 {
		return usageError{"--bulletin-day 应为 0–28"}
	}
	if *passwordDays < 0 || *passwordDays > 3650 {
		return usageError{"--password-max-age 应为 0–3650 天"}
	}
	if *demoSize < 0 || *demoSize > 2_000_000 {
		return usageError{"--demo-size 应为 0–2000000"}
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return usageError{"--tls-cert 与 --tls-key 须同时给出"}
	}
	if len(trustedProxies) > 0 && !*behindProxy {
		return usageError{"--trusted-proxy 须与 --behind-proxy 一起使用"}
	}
	// Plain HTTP is only for the leg behind a TLS-terminating proxy (docs/security.md).
	if *insecureHTTP && !*behindProxy {
		return usageError{"--insecure-http 只能与 --behind-proxy 一起使用（服务前置 HTTPS 反向代理时）；直接对外提供服务请用 --tls-cert、--tls-key 启用 HTTPS"}
	}
	// Passwords and session cookies never cross a network in clear: a non-loopback address
	// needs TLS, or --insecure-http when a TLS-terminating proxy sits in front (docs/security.md).
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return usageError{"--addr “" + c.Addr + "”格式不对，应为 主机:端口"}
	}
	useTLS := *tlsCert != ""
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) && !useTLS && !*insecureHTTP {
		return usageError{"监听非本机回环地址 " + c.Addr + " 须启用 HTTPS（--tls-cert、--tls-key）；如前置 HTTPS 反向代理，请加 --insecure-http --behind-proxy"}
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	if *withDemo {
		if err := fillDemo(auth.WithPrincipal(ctx, auth.System("demo")), env, s, *demoSize); err != nil {
			return err
		}
		if err := createDemoUsers(ctx, env, s); err != nil {
			return err
		}
	}
	policy := auth.DefaultPolicy()
	policy.MaxAge = time.Duration(*passwordDays) * 24 * time.Hour
	policy.MFAAboveVillage = *mfaAboveVillage
	// Decode the village level now rather than on the first request.
	go region.Default().Warm()
	// Classification is recomputed every day (RULES.md 重新判定): at start and after each
	// midnight in China.
	// The server's own jobs act as themselves (system:<job> in the trail), not as whoever
	// started the server.
	statsService := stats.NewService(s)
	// Records written before the statistics projection existed get their facts (store.facts.go)
	// in the background; until then the statistics read them from the sealed record.
	go func() {
		if res, err := s.BackfillFacts(auth.WithPrincipal(ctx, auth.System("facts")), 1000); err != nil && ctx.Err() == nil {
			log.Error("fill the statistics projection", "err", err)
		} else if res.Filled > 0 {
			log.Info("statistics projection filled", "records", res.Filled)
		}
	}()
	go dailyReclassify(auth.WithPrincipal(ctx, auth.System("daily")), env, s, statsService, log, c.Rules())
	go bulletinJob(auth.WithPrincipal(ctx, auth.System("bulletin")), env, s, log, *bulletinDay)
	// Statistics: today's reports of the city and its districts are recomputed after changes, at
	// most every 10 minutes (the longest a stale report is served; a read after a change starts a
	// recomputation anyway), so that the dashboard reads a kept report rather than computing one —
	// with a million records a recomputation costs a core for a minute or more.
	go statsService.KeepWarm(auth.WithPrincipal(ctx, auth.System("stats")), 10*time.Minute, func() child.Date { return child.DateOf(env.Now().In(chinaTime)) }, stats.Query{Config: c.Rules()})
	// The head of the audit chain goes to the log at start, once a minute while it moves and at
	// shutdown: a second record of it outside the database, beside the anchor file.
	var headMu sync.Mutex
	var head audit.Head
	logHead := func(ctx context.Context) { headMu.Lock(); logAuditHead(ctx, s, log, &head); headMu.Unlock() }
	logHead(auth.WithPrincipal(ctx, auth.System("housekeeping")))
	defer logHead(auth.WithPrincipal(context.Background(), auth.System("housekeeping")))
	// A key rotated by guanai keys rotate while the server runs: seal with it within a minute.
	// Imports left running by a process that died are marked failed, each audited: at start and
	// every minute (a batch counts as dead after store.RecoverBatches' silence).
	housekeeping := auth.WithPrincipal(ctx, auth.System("housekeeping"))
	recoverBatches := func() {
		if n, err := s.RecoverBatches(housekeeping); err != nil && ctx.Err() == nil {
			log.Error("recover interrupted imports", "err", err)
		} else if n > 0 {
			log.Warn("interrupted imports marked failed", "batches", n)
		}
	}
	recoverBatches()
	go func() {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := s.ReloadKeys(); err != nil {
					log.Error("reload key file", "err", err)
				}
				logHead(housekeeping)
				recoverBatches()
				if _, err := s.PurgeSessions(housekeeping, env.Now().Add(-policy.IdleTimeout)); err != nil && ctx.Err() == nil {
					log.Error("purge idle sessions", "err", err)
				}
			}
		}
	}()

	srv := &web.Server{DB: s, Children: s, Imports: &workflow.Imports{Store: s}, Rosters: s, Stats: statsService, Figures: s, Accounts: s, Exports: s, Policy: policy, Regions: region.Default(), Rules: c.Rules(), Now: env.Now, Log: log,
		SecureCookies: useTLS || *behindProxy, TrustProxy: *behindProxy, TrustedProxies: trustedProxies}
	srv.Population = s
	srv.Ledger = s
	srv.Uploads, srv.Releases = s, s
	srv.Register = s // the re-evaluation queue and hand-overs (register.go)
	hs := &http.Server{Addr: c.Addr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("监听 %s：%w", c.Addr, err)
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	fmt.Fprintf(env.Stderr, "guanai 已启动：%s://%s （数据库 %s）\n", scheme, ln.Addr(), redactURL(c.DB))
	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		fmt.Fprintln(env.Stderr, "正在停止服务…")
		return hs.Shutdown(shutdown)
	}
}

// prefixList is a repeatable flag of networks: CIDR, or one address.
type prefixList []netip.Prefix

func (p *prefixList) String() string {
	parts := make([]string, len(*p))
	for i, n := range *p {
		parts[i] = n.String()
	}
	return strings.Join(parts, ",")
}

// Type names the value in the usage (pflag.Value).
func (p *prefixList) Type() string { return "CIDR" }

func (p *prefixList) Set(v string) error {
	n, err := netip.ParsePrefix(v)
	if err != nil {
		a, aerr := netip.ParseAddr(v)
		if aerr != nil {
			return fmt.Errorf("“%s”不是网段（如 10.0.0.0/24）或地址", v)
		}
		n = netip.PrefixFrom(a, a.BitLen())
	}
	*p = append(*p, n.Masked())
	return nil
}

// logAuditHead brings the audit anchor up to the chain and logs its head if it moved since
// *last (never personal data: a seq, a hash, a key id); an anchor that cannot move is logged as
// an error each time.
func logAuditHead(ctx context.Context, s *store.Store, log *slog.Logger, last *audit.Head) {
	h, err := s.AuditAnchor(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("audit anchor cannot move", "anchored_seq", h.Seq, "err", err)
	case err == nil && h.Seq != last.Seq:
		log.Info("audit head", "seq", h.Seq, "hash", h.Hash, "key_id", h.KeyID)
		*last = h
	}
}

// dailyReclassify re-evaluates the records whose answers can change with time, now and then
// shortly after every midnight (China time), until ctx ends.
func dailyReclassify(ctx context.Context, env *Env, s *store.Store, sv *stats.Service, log *slog.Logger, cfg rules.Config) {
	for {
		today := child.DateOf(env.Now().In(chinaTime))
		res, err := s.Reclassify(ctx, today)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("daily reclassification failed", "err", err)
		case res.Checked > 0:
			log.Info("daily reclassification", "as_of", today.String(), "checked", res.Checked, "changed", res.Changed, "queued", res.Queued, "moved", res.Moved)
		}
		// The monthly statistics snapshot (on the 1st, for the month before; later if the
		// server was down then) and today's reports.
		if month, err := sv.Daily(ctx, today, stats.Query{Config: cfg}); err != nil && ctx.Err() == nil {
			log.Error("daily statistics failed", "err", err)
		} else if month != "" {
			log.Info("monthly statistics snapshot taken", "month", month)
		}
		now := env.Now().In(chinaTime)
		next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 5, 0, 0, chinaTime)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
	}
}

// fillDemo fills an empty registry with synthetic Wuhai children through the import path, so
// that the demo data are stored, sealed and versioned like real data, and marked synthetic.
func fillDemo(ctx context.Context, env *Env, s *store.Store, n int) error {
	page, err := s.Search(ctx, store.Query{Limit: 1, IncludeArchived: true})
	if err != nil {
		return err
	}
	if page.Total > 0 {
		fmt.Fprintf(env.Stderr, "数据库已有 %d 条记录，不再填入演示数据\n", page.Total)
		return nil
	}
	today := child.DateOf(env.Now().In(chinaTime))
	g := demo.New(uint64(today), today)
	im, err := s.BeginImport(ctx, "system:demo", store.ImportOptions{Roster: "演示数据", Synthetic: true, Status: store.StatusSubmitted})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "正在生成 %d 名虚构儿童的演示数据…\n", n)
	rows := make([]store.ImportRow, 0, 500)
	for i := 1; i <= n; i++ {
		rec := g.Child()
		var is child.Issues
		child.Validate(&rec, &is, child.Options{Today: today})
		rows = append(rows, store.ImportRow{Row: i, Record: rec, Issues: is})
		if len(rows) == cap(rows) || i == n {
			if _, err := im.Add(ctx, rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	res, err := im.Finish(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "演示数据已填入：%d 名（均为虚构，标记为演示数据）\n", res.Imported)
	return nil
}
