package main

// Every command reads its command line here, so that all follow one rule (CONTRACT.md, "Options"):
// options before, between or after the arguments (guanai import children FILE --rejects R is
// guanai import children --rejects R FILE); "--" ends the options; -h or --help prints the
// command's usage and exits 0; an unknown option, a missing or bad value, a surplus argument is a
// usage error — the message in Chinese, then the usage, on standard error, exit status 2.
// The parsing itself is github.com/spf13/pflag's, whose long options are --name and --name=value.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// cmdUsage is how a (sub-)command is called: its name ("import children"), the text that shows
// its forms, and its options. Main prints it after a usage error.
type cmdUsage struct {
	name  string
	text  string
	flags *pflag.FlagSet
}

// print writes the usage: the text, then one entry per option.
func (u *cmdUsage) print(w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(u.text, "\n"))
	if u.flags == nil || !u.flags.HasAvailableFlags() {
		return
	}
	fmt.Fprintln(w, "\n选项（可写在参数之前或之后；“--” 之后的都是参数）:")
	u.flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		kind, text := pflag.UnquoteUsage(f)
		line := "  --" + f.Name
		if p := placeholder(kind); p != "" {
			line += " " + p
		}
		switch {
		case f.Value.Type() == "bool" && f.DefValue == "true":
			text += "（默认开启；--" + f.Name + "=false 关闭）"
		case f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "[]":
			text += "（默认 " + f.DefValue + "）"
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, text)
	})
	fmt.Fprintln(w, "  -h, --help\n        显示本说明")
}

// placeholder names the value an option takes, by its type as pflag.UnquoteUsage guesses it.
func placeholder(kind string) string {
	switch kind {
	case "":
		return ""
	case "string", "stringArray":
		return "值"
	case "int", "uint":
		return "整数"
	case "float":
		return "数值"
	}
	return kind
}

// newFlagSet returns an empty option set for the command name ("roster verify"). It reports
// nothing itself: parseOptions does, in Chinese. Options are listed in the order they are
// defined.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false
	return fs
}

// parseOptions reads args with the options of fs and returns the other arguments in order.
// text shows how the command is called ("用法: guanai import children FILE [选项]"); it is
// printed, with the options, on -h or --help (then errHelp is returned) and after any usage
// error, including those the command finds later in the values (Main prints it).
func parseOptions(env *Env, fs *pflag.FlagSet, text string, args []string) ([]string, error) {
	env.cmd = &cmdUsage{name: fs.Name(), text: text, flags: fs}
	if err := refuseTestFlags(fs, args); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			env.cmd.print(env.Stderr)
			return nil, errHelp
		}
		return nil, optionError(fs, err)
	}
	return fs.Args(), nil
}

// refuseTestFlags refuses "-test.…" arguments in the place of an option, which pflag would pass
// over in silence (they belong to go test binaries).
func refuseTestFlags(fs *pflag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return nil
		}
		if strings.HasPrefix(a, "-test.") {
			return usageError{"未知的选项 " + a}
		}
		if name, ok := strings.CutPrefix(a, "--"); ok && !strings.Contains(name, "=") {
			if f := fs.Lookup(name); f != nil && f.NoOptDefVal == "" {
				i++ // the option's value, whatever it looks like
			}
		}
	}
	return nil
}

// optionError says in Chinese what pflag found wrong.
func optionError(fs *pflag.FlagSet, err error) error {
	var (
		notExist *pflag.NotExistError
		noValue  *pflag.ValueRequiredError
		badValue *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &notExist):
		if short := notExist.GetSpecifiedShortnames(); short != "" {
			name, _, _ := strings.Cut(short, "=")
			if fs.Lookup(name) != nil {
				return usageError{"未知的选项 -" + short + "：长选项要写两个短横线，即 --" + short}
			}
			return usageError{"未知的选项 -" + short}
		}
		return usageError{"未知的选项 --" + notExist.GetSpecifiedName()}
	case errors.As(err, &noValue):
		return usageError{"选项 --" + noValue.GetFlag().Name + " 缺少值"}
	case errors.As(err, &badValue):
		f := badValue.GetFlag()
		want := ""
		switch f.Value.Type() {
		case "int", "uint":
			want = "：应为整数"
		case "float64":
			want = "：应为数值"
		case "bool":
			want = "：应为 true 或 false"
		default:
			// A value of the command's own (a network, a list): its Set says what is wrong.
			if e := errors.Unwrap(badValue); e != nil {
				want = "：" + e.Error()
			}
		}
		return usageError{"选项 --" + f.Name + " 的值 “" + badValue.GetValue() + "” 无效" + want}
	case errors.As(err, &syntax):
		return usageError{"选项格式不对：" + syntax.GetSpecifiedFlag()}
	}
	return usageError{err.Error()}
}

// subcommand reads the first argument of a command that has sub-commands (import children|roster):
// it must name one of subs, and the rest of args is that sub-command's, options included. -h,
// --help or help print text, the command's usage; a missing or unknown sub-command is a usage
// error that lists the valid ones.
func subcommand(env *Env, name, text string, subs []string, args []string) (string, []string, error) {
	env.cmd = &cmdUsage{name: name, text: text}
	list := strings.Join(subs, "、")
	if len(args) == 0 {
		return "", nil, usageError{"缺少子命令：应为 " + list}
	}
	switch a := args[0]; {
	case a == "-h" || a == "--help" || a == "help":
		env.cmd.print(env.Stderr)
		return "", nil, errHelp
	case slices.Contains(subs, a):
		return a, args[1:], nil
	case strings.HasPrefix(a, "-") && len(a) > 1:
		return "", nil, usageError{"先写子命令（" + list + "），再写选项 " + a}
	default:
		return "", nil, usageError{"未知的子命令 “" + a + "”：应为 " + list}
	}
}

// noArgs refuses arguments to a command that takes options only.
func noArgs(pos []string) error {
	if len(pos) > 0 {
		return usageError{"多余的参数：" + strings.Join(pos, " ")}
	}
	return nil
}

// createPrivate creates (or truncates) a file only its owner may read and write: what the
// commands write holds children's personal data. A file that already existed is made 0600 too.
func createPrivate(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
