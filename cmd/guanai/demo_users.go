package main

import (
	"context"
	"fmt"
	"sort"

	"guanai/internal/auth"
	"guanai/internal/region"
	"guanai/internal/store"
)

// createDemoUsers creates one demo account per role on a database without accounts and prints
// each once to standard output (session-api.md):
//
//	demo-user<TAB>username<TAB>password<TAB>totp-secret-or-dash<TAB>角色<TAB>单位
//
// The collector works in the village of 海勃湾区 where most demo children live, collector2 in
// another one. Accounts above the village level need a second factor and are created with it
// enrolled; their TOTP secret is printed so that tests can compute codes.
func createDemoUsers(ctx context.Context, env *Env, s *store.Store) error {
	n, err := s.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	home, other, err := demoVillages(ctx, s)
	if err != nil {
		return err
	}
	users := []struct{ username, name, role, dept, org string }{
		{"collector", "张晓燕", auth.RoleCollector, "minzheng", home},
		{"collector2", "李红梅", auth.RoleCollector, "minzheng", other},
		{"reviewer", "王建国", auth.RoleReviewer, "minzheng", "150302"},
		{"officer", "赵丽", auth.RoleOfficer, "jiaoyu", "150302"},
		{"officer2", "钱勇", auth.RoleOfficer, "gongan", "150302"},
		{"statistician", "孙志强", auth.RoleStatistician, "tongji", "1503"},
		{"oversight", "周敏", auth.RoleOversight, "fuergongwei", "1503"},
		{"sysadmin", "吴刚", auth.RoleSysAdmin, "minzheng", "1503"},
		{"secadmin", "郑华", auth.RoleSecAdmin, "minzheng", "1503"},
		{"auditor", "冯静", auth.RoleAuditor, "minzheng", "1503"},
	}
	policy := auth.DefaultPolicy()
	regions := region.Default()
	for _, d := range users {
		pw := auth.RandomPassword()
		u := &auth.User{Username: d.username, Name: d.name, Roles: []string{d.role}, Department: d.dept, OrgCode: d.org,
			PasswordHash: auth.HashPassword(pw), CreatedBy: "system:demo"}
		secret := "-"
		if policy.MFARequired(u) {
			sec, _, err := auth.NewTOTP(u.Username)
			if err != nil {
				return err
			}
			u.TOTPSecret, u.MFAEnrolled, secret = sec, true, sec
		}
		if err := s.CreateUser(ctx, u); err != nil {
			return fmt.Errorf("创建演示用户 %s：%w", d.username, err)
		}
		role, _ := auth.RoleByCode(d.role)
		ou, err := auth.OrgUnitOf(regions, d.org)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "demo-user\t%s\t%s\t%s\t%s\t%s\n", d.username, pw, secret, role.Label, ou.Path+" "+auth.DepartmentLabel(d.dept))
	}
	return nil
}

// demoVillages picks the village of 海勃湾区 where most children live and another one.
func demoVillages(ctx context.Context, s *store.Store) (home, other string, err error) {
	count := map[string]int{}
	err = s.EachSummary(ctx, store.Query{Region: "150302", RegionOf: store.RegionResidence}, func(m *store.Summary) error {
		if c, ok := region.Normalize(m.ResidenceCode); ok && len(c) == 12 {
			count[c]++
		}
		return nil
	})
	if err != nil {
		return "", "", err
	}
	var villages []string
	for _, t := range region.Default().Children("150302") {
		for _, v := range region.Default().Children(t.Code) {
			villages = append(villages, v.Code)
		}
	}
	sort.SliceStable(villages, func(i, j int) bool { return count[villages[i]] > count[villages[j]] })
	if len(villages) < 2 {
		return "", "", fmt.Errorf("区划表中海勃湾区的村（社区）不足两个")
	}
	home = villages[0]
	// Another village in another township when there is one.
	for _, v := range villages[1:] {
		if v[:9] != home[:9] {
			return home, v, nil
		}
	}
	return home, villages[1], nil
}
