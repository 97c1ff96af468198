// Command guanai is the information system for migrant and left-behind children (流动儿童和留守儿童
// 监测摸排和统计分析). This file only parses the command line and hands each sub-command to its
// own file; the work is done by the packages under internal/.
package main

import (
	"context"
	"errors"
	"fmt"
	"guanai/internal/auth"
	"io"
	"os"
	"os/signal"
	"os/user"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Env is what a sub-command may touch of the outside world. Tests build their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time

	// cmd is the usage of the (sub-)command being run, set as its command line is read
	// (options.go), so that Main prints it after any usage error the command returns.
	cmd *cmdUsage
}

// command is one sub-command of guanai.
type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// commands maps each sub-command name to its implementation; every cmd_*.go file adds its own in
// an init function, so that this file never changes when a command is added.
var commands = map[string]command{}

// usageError is a mistake on the command line: the message is printed with the usage and the
// exit status is 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
	code := Main(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main runs guanai with the given arguments and returns the exit status. End-to-end tests call it
// directly or run the built binary.
func Main(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(env.Stdout, "guanai", version)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(env.Stderr, "guanai: 先写子命令，再写选项 %s\n\n", args[0])
		} else {
			fmt.Fprintf(env.Stderr, "guanai: 未知的子命令 %q\n\n", args[0])
		}
		usage(env.Stderr)
		return 2
	}
	// Whoever runs the binary on the server acts as its local operator: the whole database,
	// every action audited as cli:<os user> (docs/security.md). The store refuses a context
	// without a principal, so nothing here runs unaccounted for.
	ctx = auth.WithPrincipal(ctx, auth.Operator(osUser(env)))
	run := *env // the command records its usage in its own copy
	run.cmd = &cmdUsage{name: args[0], text: "用法: guanai " + args[0] + " …（guanai " + args[0] + " -h 查看选项）"}
	if err := cmd.run(ctx, &run, args[1:]); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "guanai %s: %s\n\n", run.cmd.name, ue.msg)
			run.cmd.print(env.Stderr)
			return 2
		}
		if errors.Is(err, errHelp) {
			return 0
		}
		fmt.Fprintf(env.Stderr, "guanai %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// osUser names the operating-system account running the command, for the audit trail.
func osUser(env *Env) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return env.Getenv("USER")
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func usage(w io.Writer) {
	fmt.Fprintln(w, "guanai — 流动儿童和留守儿童监测摸排和统计分析系统")
	fmt.Fprintln(w, "\n用法: guanai <子命令> [选项]\n\n子命令:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n“guanai <子命令> -h” 查看该子命令的选项。")
}

// errHelp is returned by a sub-command that printed its help on request.
var errHelp = errors.New("help requested")

// chinaTime is China Standard Time (UTC+8, no daylight saving): "today" is a date in Wuhai.
var chinaTime = time.FixedZone("CST", 8*3600)
