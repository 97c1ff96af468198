package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"guanai/internal/auth"
	"guanai/internal/region"
	"guanai/internal/store"
)

func init() {
	commands["user"] = command{summary: "管理用户账号（add、list、passwd、unlock、disable、enable、reset-mfa）", run: runUser}
}

const userUsage = `用法:
  guanai user add --username U --name 姓名 --roles R[,R…] --department D --org 区划代码 [--password P]
  guanai user list
  guanai user passwd U        重置为随机初始密码（首次登录须修改）
  guanai user unlock U        解除登录失败锁定
  guanai user disable U       停用账号并结束其会话
  guanai user enable U        重新启用账号
  guanai user reset-mfa U     清除动态口令，下次登录后重新设置

角色：collector 儿童主任/网格员、reviewer 民政审核员、officer 部门业务员、statistician 统计人员、
oversight 督导/领导、sysadmin 系统管理员、secadmin 安全管理员、auditor 审计管理员
部门：minzheng 民政、jiaoyu 教育、gongan 公安、weijian 卫健、jikong 疾控、yibao 医保、canlian 残联、
tongji 统计、fuergongwei 妇儿工委、zhengfawei 政法委
未给出 --password 时生成随机初始密码并打印一次；初始密码在首次登录时必须修改。`

// runUser manages accounts from the command line: the way the first administrators are made.
// Every change is audited as cli:<os user>.
func runUser(ctx context.Context, env *Env, args []string) error {
	sub, args, err := subcommand(env, "user", userUsage, []string{"add", "list", "passwd", "unlock", "disable", "enable", "reset-mfa"}, args)
	if err != nil {
		return err
	}
	fs := newFlagSet("user " + sub)
	finish := commonFlags(fs, env)
	var username, name, roles, dept, org, password *string
	if sub == "add" {
		username = fs.String("username", "", "用户名（2–32 位字母、数字、_ . -）")
		name = fs.String("name", "", "姓名")
		roles = fs.String("roles", "", "角色代码，逗号分隔")
		dept = fs.String("department", "", "部门代码")
		org = fs.String("org", "", "所属单位的区划代码（如 150302 海勃湾区、1503 乌海市）")
		password = fs.String("password", "", "初始密码（默认随机生成）")
	}
	pos, err := parseOptions(env, fs, userUsage, args)
	if err != nil {
		return err
	}
	var target string
	switch sub {
	case "add", "list":
		if err := noArgs(pos); err != nil {
			return err
		}
	default: // passwd, unlock, disable, enable, reset-mfa
		if len(pos) != 1 {
			return usageError{"请给出一个用户名：guanai user " + sub + " 用户名"}
		}
		target = pos[0]
	}
	c, err := finish()
	if err != nil {
		return usageError{err.Error()}
	}
	s, err := openStore(ctx, env, c)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "add":
		return userAdd(ctx, env, s, *username, *name, *roles, *dept, *org, *password)
	case "list":
		return userList(ctx, env, s)
	}
	// One change through the store's account administration (store.ChangeUser): the same
	// checks, audit entry (user.update with the change) and ended sessions as the web page's.
	kind := map[string]string{"passwd": store.ChangeResetPassword, "unlock": store.ChangeUnlock, "disable": store.ChangeDisable,
		"enable": store.ChangeEnable, "reset-mfa": store.ChangeResetMFA}[sub]
	u, pw, err := s.ChangeUser(ctx, target, store.AccountChange{Kind: kind})
	if err != nil {
		return err
	}
	if pw != "" {
		fmt.Fprintf(env.Stdout, "用户 %s 的密码已重置为：%s\n首次登录时必须修改。\n", u.Username, pw)
		return nil
	}
	fmt.Fprintf(env.Stdout, "用户 %s：%s 完成\n", u.Username, store.ChangeLabels[kind])
	return nil
}

func userAdd(ctx context.Context, env *Env, s *store.Store, username, name, roles, dept, org, password string) error {
	var missing []string
	for _, f := range []struct{ flag, v string }{{"--username", username}, {"--name", name}, {"--roles", roles}, {"--department", dept}, {"--org", org}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return usageError{"缺少 " + strings.Join(missing, "、")}
	}
	rs := auth.ParseRoles(roles)
	if err := auth.CheckRoles(rs); err != nil {
		return usageError{err.(*auth.Error).Message}
	}
	if auth.DepartmentLabel(dept) == "" {
		return usageError{"未知的部门 " + dept}
	}
	ou, err := auth.OrgUnitOf(region.Default(), org)
	if err != nil {
		return usageError{err.(*auth.Error).Message}
	}
	printed := false
	if password == "" {
		password, printed = auth.RandomPassword(), true
	} else if err := auth.DefaultPolicy().CheckPolicy(password, username, nil); err != nil {
		return usageError{err.(*auth.Error).Message}
	}
	u := &auth.User{Username: username, Name: strings.TrimSpace(name), Roles: rs, Department: dept, OrgCode: ou.Code,
		PasswordHash: auth.HashPassword(password), MustChangePassword: true}
	if err := s.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "已创建用户 %s（%s，%s %s）\n", u.Username, u.Name, ou.Path, auth.DepartmentLabel(dept))
	if printed {
		fmt.Fprintf(env.Stdout, "初始密码：%s\n", password)
	}
	fmt.Fprintln(env.Stdout, "首次登录时必须修改密码。")
	if auth.DefaultPolicy().MFARequired(u) {
		fmt.Fprintln(env.Stdout, "该账号在村（社区）以上，登录后须设置动态口令。")
	}
	return nil
}

func userList(ctx context.Context, env *Env, s *store.Store) error {
	users, err := s.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "用户名\t姓名\t角色\t部门\t单位\t动态口令\t状态")
	now := env.Now()
	for _, u := range users {
		var labels []string
		for _, r := range u.Roles {
			role, _ := auth.RoleByCode(r)
			labels = append(labels, role.Label)
		}
		state := "正常"
		switch {
		case u.Disabled:
			state = "已停用"
		case u.Locked(now):
			state = "锁定至 " + u.LockedUntil.In(chinaTime).Format("2006-01-02 15:04")
		case u.MustChangePassword:
			state = "待修改初始密码"
		}
		mfa := "未设置"
		if u.MFAEnrolled {
			mfa = "已设置"
		}
		unit := u.OrgCode
		if ou, err := auth.OrgUnitOf(region.Default(), u.OrgCode); err == nil {
			unit = ou.Path
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Name, strings.Join(labels, "、"), auth.DepartmentLabel(u.Department), unit, mfa, state)
	}
	return tw.Flush()
}
